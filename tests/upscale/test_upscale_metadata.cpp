// The provenance each lssr-upscale output carries: every key and value.
#include <catch2/catch.hpp>

#include "libupscale/upscale_metadata.hpp"

using namespace lssr::sr;

namespace {

RunProvenance run() {
    return {"lssr-upscale 0.1.0 (LSSR suite, GDAL 3.6.2)", "bundle default.safetensors", "ab12", 7};
}

}  // namespace

TEST_CASE("upscale_metadata names the tool, model, tiling, scene, scale, month and date", "[upscale][metadata]") {
    LrScene scene;
    scene.ref.id = "HLS.L30.T15TVG.2021179T165432.v2.0";
    scene.ref.date = "2021-06-28";
    UpscaleOptions options;
    options.tile = 48;
    options.overlap = 8;
    const auto month = acquisition_month(scene, 0);
    CHECK(month == 6);
    const std::map<std::string, std::string> expected = {
        {"LSSR_TOOL", "lssr-upscale 0.1.0 (LSSR suite, GDAL 3.6.2)"},
        {"LSSR_MODEL", "bundle default.safetensors"},
        {"LSSR_MODEL_SHA256", "ab12"},
        {"LSSR_TIMESTEP", "7"},
        {"LSSR_TILE", "48"},
        {"LSSR_OVERLAP", "8"},
        {"LSSR_SOURCE", "HLS.L30.T15TVG.2021179T165432.v2.0"},
        {"LSSR_SCALE_FACTOR", "3"},
        {"LSSR_MONTH", "6"},
        {"ACQUISITION_DATE", "2021-06-28"},
    };
    CHECK(upscale_metadata(run(), options, scene, "dir/scene.B04.tif", month) == expected);
}

TEST_CASE("a scene without ID or date: the input as source, --month or no month, no date", "[upscale][metadata]") {
    LrScene scene;
    const UpscaleOptions options;
    CHECK(acquisition_month(scene, 0) == 0);
    CHECK(acquisition_month(scene, 11) == 11);
    scene.ref.date = "2021-06-28";
    CHECK(acquisition_month(scene, 2) == 2);  // --month wins over the date
    scene.ref.date.clear();

    auto m = upscale_metadata(run(), options, scene, "stack.tif", 0);
    CHECK(m.at("LSSR_SOURCE") == "stack.tif");
    CHECK(m.at("LSSR_TILE") == "64");
    CHECK(m.at("LSSR_OVERLAP") == "8");
    CHECK(m.count("LSSR_MONTH") == 0);
    CHECK(m.count("ACQUISITION_DATE") == 0);
    CHECK(m.size() == 8);
    m = upscale_metadata(run(), options, scene, "stack.tif", 4);
    CHECK(m.at("LSSR_MONTH") == "4");
}
