// The finite-value policy where reflectance is read and scored (NaN, +-Inf and
// scaled overflows are missing; lssr-eval counts them as invalid for every
// metric alike) and the one band-role rule of lssr-upscale, lssr-eval and cropmap.
#include <catch2/catch.hpp>

#include <gdal_priv.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <nlohmann/json.hpp>

#include "libio/gdal/bands.hpp"
#include "libio/core/errors.hpp"
#include "libeval/samples.hpp"
#include "libio/gdal/gdal_dataset.hpp"
#include "libio/gdal/raster.hpp"
#include "support.hpp"

using namespace lssr;
using namespace lssr::io;
using lssr::test::run_tool;
using lssr::test::TempDir;
using Catch::Detail::Approx;
using Catch::Matchers::Contains;

namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();

double texture(int b, int r, int c) { return 0.3 + 0.2 * std::sin(0.7 * r + 0.3 * b) * std::cos(0.45 * c) + 0.01 * b; }

// A Float32 reflectance raster whose band b holds role `order[b]`'s texture,
// described as `descriptions` (none when empty); `value` may override pixels.
void write_stack(const std::string& path, const std::vector<std::string>& descriptions, int size = 16,
                 const std::function<float(int, int, int, float)>& value = {}) {
    RasterSpec spec;
    spec.grid = test::utm_grid(size, size, 10.0);
    spec.bands = descriptions.empty() ? 6 : static_cast<int>(descriptions.size());
    spec.type = GDT_Float32;
    spec.descriptions = descriptions;
    RasterBlock block(spec.bands, size, size);
    for (int b = 0; b < spec.bands; ++b) {
        // The texture of the role the band is described as (band order without descriptions).
        int role = b;
        if (!descriptions.empty()) {
            const auto parsed = parse_role(descriptions[b]);
            role = parsed ? static_cast<int>(*parsed) : 9;
        }
        for (int r = 0; r < size; ++r)
            for (int c = 0; c < size; ++c) {
                const float v = static_cast<float>(texture(role, r, c));
                block.at(b, r, c) = value ? value(role, r, c, v) : v;
            }
    }
    write_raster(path, spec, block, OutputOptions{});
}

const std::vector<std::string> kCanonical{"blue", "green", "red", "nir", "swir1", "swir2"};

}  // namespace

TEST_CASE("reflectance_bands: descriptions decide in any order, other bands are skipped", "[bands][roles]") {
    CHECK(reflectance_bands(kCanonical, "a.tif") == std::array<int, 6>{1, 2, 3, 4, 5, 6});
    CHECK(reflectance_bands({"SWIR2", "swir1", " NIR ", "red", "Green", "blue"}, "a.tif") ==
          std::array<int, 6>{6, 5, 4, 3, 2, 1});
    // The authors' 7-band Landsat layout, coastal first.
    CHECK(reflectance_bands({"coastal", "blue", "green", "red", "nir", "swir1", "swir2"}, "a.tif") ==
          std::array<int, 6>{2, 3, 4, 5, 6, 7});
    // No description names a role: a 6-band stack in role order.
    CHECK(reflectance_bands({"", "", "", "", "", ""}, "a.tif") == std::array<int, 6>{1, 2, 3, 4, 5, 6});
    CHECK(reflectance_bands({"B1", "B2", "B3", "B4", "B5", "B6"}, "a.tif") == std::array<int, 6>{1, 2, 3, 4, 5, 6});
}

TEST_CASE("reflectance_bands: contradicting or missing roles are one-line errors naming the file", "[bands][roles]") {
    CHECK_THROWS_WITH(reflectance_bands({"blue", "green", "red", "red", "swir1", "swir2"}, "dup.tif"),
                      Contains("dup.tif: bands 3 and 4 are both described as 'red'"));
    // The file: coastal where blue should be; plain order would label coastal as blue.
    CHECK_THROWS_WITH(reflectance_bands({"swir2", "swir1", "nir", "red", "green", "coastal"}, "six.tif"),
                      Contains("six.tif: no band is described as 'blue'"));
    // Seven undescribed bands: which six? Refused rather than guessed.
    CHECK_THROWS_AS(reflectance_bands(std::vector<std::string>(7), "seven.tif"), InputError);
    CHECK_THROWS_WITH(reflectance_bands(std::vector<std::string>(7), "seven.tif"), Contains("seven.tif: has 7 band(s)"));
}

TEST_CASE("read_scaled: NaN, +-Inf and scaled overflows are missing; valid values untouched", "[finite][raster]") {
    TempDir dir;
    const auto path = dir.file("bad.tif");
    RasterSpec spec;
    spec.grid = test::utm_grid(4, 1, 30.0);
    spec.type = GDT_Float32;
    spec.scalings = {BandScaling{1e10, 0.0, std::nullopt}};
    write_raster(path, spec, RasterBlock(1, 4, 1), OutputOptions{});
    {
        auto ds = open_raster_for_update(path);
        float values[4] = {NAN, kInf, -kInf, 1e-5f};
        REQUIRE(ds->GetRasterBand(1)->RasterIO(GF_Write, 0, 0, 4, 1, values, 4, 1, GDT_Float32, 0, 0) == CE_None);
    }
    auto ds = open_raster(path);
    const auto scaling = resolve_scaling(*ds->GetRasterBand(1), BandScaling{}).scaling;
    auto block = read_scaled(*ds, {1}, {scaling}, Window{0, 0, 4, 1}, path);
    CHECK(std::isnan(block.data[0]));
    CHECK(std::isnan(block.data[1]));  // +Inf
    CHECK(std::isnan(block.data[2]));  // -Inf
    CHECK(block.data[3] == Approx(1e5));
    // A scale that overflows float32 (1e39) turns every value into missing, not Inf.
    block = read_scaled(*ds, {1}, {BandScaling{1e44, 0.0, std::nullopt}}, Window{0, 0, 4, 1}, path);
    CHECK(std::isnan(block.data[3]));
}

TEST_CASE("resolve_scaling: a scale of 0 or NaN is an error naming the file", "[finite][bands]") {
    TempDir dir;
    const auto path = dir.file("zero_scale.tif");
    RasterSpec spec;
    spec.grid = test::utm_grid(2, 2, 30.0);
    spec.type = GDT_Int16;
    spec.scalings = {BandScaling{0.0, 0.1, std::nullopt}};
    write_raster(path, spec, RasterBlock(1, 2, 2), OutputOptions{});
    auto ds = open_raster(path);
    CHECK_THROWS_WITH(resolve_scaling(*ds->GetRasterBand(1), BandScaling{}), Contains("zero_scale.tif: band 1 has scale 0"));
}

TEST_CASE("lssr-eval: a row of +Inf is counted invalid and left out of every metric, not scored", "[cli][eval][finite]") {
    TempDir dir;
    write_stack(dir.file("ref.tif"), kCanonical);
    write_stack(dir.file("pred.tif"), kCanonical, 16, [](int, int r, int, float v) { return r == 0 ? kInf : v; });
    const auto run = run_tool("lssr-eval", {dir.file("pred.tif"), dir.file("ref.tif"), "-q"});
    REQUIRE(run.exit_code == 0);
    INFO(run.err);
    const auto json = nlohmann::json::parse(run.out);
    CHECK(json["invalid_pixels"] == 16);
    CHECK_THAT(run.err, Contains(dir.file("pred.tif") + ": 16 pixel(s) hold NaN or infinite values"));
    // Every metric leaves the row out alike: the other rows are identical.
    CHECK(json["ssim_rgb"].get<double>() == Approx(1.0).margin(1e-9));  // Inf was clipped to 1 and scored before
    CHECK(json["ssim_ir"].get<double>() == Approx(1.0).margin(1e-9));
    CHECK(json["sam_deg"].get<double>() == Approx(0.0).margin(1e-3));
    CHECK(json["ndvi_mse"].get<double>() == Approx(0.0).margin(1e-9));

    // Against a reference off by 0.05, the Inf row changes nothing.
    write_stack(dir.file("ref2.tif"), kCanonical, 16, [](int, int, int, float v) { return v + 0.05f; });
    const auto off = run_tool("lssr-eval", {dir.file("pred.tif"), dir.file("ref2.tif"), "-q"});
    REQUIRE(off.exit_code == 0);
    const auto j2 = nlohmann::json::parse(off.out);
    CHECK(j2["psnr_rgb"].get<double>() == Approx(-20 * std::log10(0.05)).margin(1e-3));
    CHECK(j2["invalid_pixels"] == 16);
    // A clean pair reports none.
    const auto clean = run_tool("lssr-eval", {dir.file("ref.tif"), dir.file("ref2.tif"), "-q"});
    REQUIRE(clean.exit_code == 0);
    CHECK(nlohmann::json::parse(clean.out)["invalid_pixels"] == 0);
}

TEST_CASE("lssr-eval: band roles follow the descriptions, contradictions fail naming the file", "[cli][eval][roles]") {
    TempDir dir;
    write_stack(dir.file("ref.tif"), kCanonical);
    // The same reflectance, bands in reverse order and described so.
    write_stack(dir.file("reversed.tif"), {"swir2", "swir1", "nir", "red", "green", "blue"});
    // The authors' L8 layout: coastal first.
    write_stack(dir.file("seven.tif"), {"coastal", "blue", "green", "red", "nir", "swir1", "swir2"});
    for (const char* name : {"reversed.tif", "seven.tif"}) {
        const auto run = run_tool("lssr-eval", {dir.file(name), dir.file("ref.tif"), "-q"});
        REQUIRE(run.exit_code == 0);
        const auto json = nlohmann::json::parse(run.out);
        CHECK(json["psnr_rgb"].is_null());  // identical
        CHECK(json["sam_deg"].get<double>() == Approx(0.0).margin(1e-3));
    }
    write_stack(dir.file("coastal.tif"), {"swir2", "swir1", "nir", "red", "green", "coastal"});
    write_stack(dir.file("dup.tif"), {"blue", "green", "red", "nir", "nir", "swir2"});
    for (const char* name : {"coastal.tif", "dup.tif"}) {
        const auto run = run_tool("lssr-eval", {dir.file(name), dir.file("ref.tif"), "-q"});
        CHECK(run.exit_code == 1);
        CHECK_THAT(run.err, Contains(dir.file(name) + ": "));
        CHECK(std::count(run.err.begin(), run.err.end(), '\n') == 1);
    }
}
