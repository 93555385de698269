// lssr-upscale on bad values and awkward inputs: NaN/Inf input pixels are
// nodata and nothing else, a model returning NaN is an error naming it, band
// roles follow the descriptions (or the file is refused), -ot Byte keeps the
// data, and a 10^6 x 10^6 VRT is refused at once.
#include <catch2/catch.hpp>

#include <gdal_priv.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <functional>
#include <limits>

#include "libio/core/errors.hpp"
#include "libio/gdal/gdal_dataset.hpp"
#include "libio/gdal/raster.hpp"
#include "libupscale/lr_scene.hpp"
#include "libupscale/output_encoding.hpp"
#include "libupscale/scene_upscale.hpp"
#include "sr/upscale_args.hpp"
#include "support.hpp"

using namespace lssr;
using namespace lssr::io;
using lssr::test::data_path;
using lssr::test::run_tool;
using lssr::test::TempDir;
using Catch::Detail::Approx;
using Catch::Matchers::Contains;

using lssr::test::base_args;
using lssr::test::with;

namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();

float texture(int role, int r, int c) {
    return static_cast<float>(0.15 + 0.04 * role + 0.08 * std::sin(0.21 * c + 0.5 * role) * std::cos(0.17 * r));
}

// A Float32 reflectance stack (no nodata): band b holds the role it is described
// as (role order without descriptions); `value` may override a pixel.
void write_stack(const std::string& path, int width, int height, const std::vector<std::string>& descriptions,
                 const std::function<float(int role, int r, int c, float v)>& value = {}) {
    RasterSpec spec;
    spec.grid = lssr::test::utm_grid(width, height, 30.0, 500010.0, 4600020.0);
    spec.bands = descriptions.empty() ? 6 : static_cast<int>(descriptions.size());
    spec.type = GDT_Float32;
    spec.descriptions = descriptions;
    RasterBlock block(spec.bands, width, height);
    for (int b = 0; b < spec.bands; ++b) {
        int role = b;
        if (!descriptions.empty()) {
            const auto parsed = parse_role(descriptions[b]);
            role = parsed ? static_cast<int>(*parsed) : 7;
        }
        for (int r = 0; r < height; ++r)
            for (int c = 0; c < width; ++c) {
                const float v = texture(role, r, c);
                block.at(b, r, c) = value ? value(role, r, c, v) : v;
            }
    }
    write_raster(path, spec, block, OutputOptions{});
}

const std::vector<std::string> kCanonical{"blue", "green", "red", "nir", "swir1", "swir2"};

// Nearest-neighbour x3 of the input, or NaN everywhere when `broken`.
class NearestModel : public sr::TileModel {
public:
    bool broken = false;
    int calls = 0;
    std::vector<RasterBlock> upscale(const std::vector<sr::TileInput>& tiles) override {
        ++calls;
        std::vector<RasterBlock> out;
        for (const auto& t : tiles) {
            RasterBlock b(6, t.lr.width * 3, t.lr.height * 3);
            for (int band = 0; band < 6; ++band)
                for (int r = 0; r < b.height; ++r)
                    for (int c = 0; c < b.width; ++c) b.at(band, r, c) = t.lr.at(band, r / 3, c / 3);
            if (broken) b.at(4, 7, 7) = NAN;
            out.push_back(std::move(b));
        }
        return out;
    }
};

sr::LrScene resolve(const std::string& path) {
    std::vector<std::string> warnings;
    return sr::resolve_lr_scene(path, warnings);
}

// A VRT of `width` x `height` pixels, six bands drawn from a small stack.
void write_huge_vrt(const std::string& vrt, const std::string& source, long long width, long long height) {
    std::ofstream out(vrt);
    out << "<VRTDataset rasterXSize=\"" << width << "\" rasterYSize=\"" << height << "\">\n"
        << "  <SRS>EPSG:32615</SRS>\n  <GeoTransform>500000, 30, 0, 4600000, 0, -30</GeoTransform>\n";
    for (int b = 1; b <= 6; ++b)
        out << "  <VRTRasterBand dataType=\"Int16\" band=\"" << b << "\">\n"
            << "    <Description>" << kCanonical[b - 1] << "</Description>\n"
            << "    <NoDataValue>-9999</NoDataValue>\n    <Scale>0.0001</Scale>\n"
            << "    <SimpleSource><SourceFilename relativeToVRT=\"0\">" << source << "</SourceFilename>"
            << "<SourceBand>" << b << "</SourceBand>"
            << "<SrcRect xOff=\"0\" yOff=\"0\" xSize=\"8\" ySize=\"8\"/><DstRect xOff=\"0\" yOff=\"0\" xSize=\"8\" ySize=\"8\"/>"
            << "</SimpleSource>\n  </VRTRasterBand>\n";
    out << "</VRTDataset>\n";
}

void write_small_int16(const std::string& path) {
    RasterSpec spec;
    spec.grid = lssr::test::utm_grid(8, 8, 30.0);
    spec.bands = 6;
    spec.type = GDT_Int16;
    spec.nodata = -9999.0;
    write_raster(path, spec, RasterBlock(6, 8, 8, 1000.0f), OutputOptions{});
}

}  // namespace

TEST_CASE("lssr-upscale: a NaN block and +-Inf pixels are nodata, everything else is valid", "[sr][upscale][finite]") {
    TempDir tmp;
    const auto in = tmp.file("bad_values.tif");
    auto bad = [](int r, int c) { return (r >= 5 && r < 15 && c >= 5 && c < 15) || (r == 30 && c == 30) || (r == 20 && c == 35); };
    write_stack(in, 40, 36, kCanonical, [&](int, int r, int c, float v) {
        if (r == 30 && c == 30) return kInf;
        if (r == 20 && c == 35) return -kInf;
        return bad(r, c) ? NAN : v;
    });
    // The raw model output stays in [0, 1]; the consistency projection may step
    // slightly outside it (it is not clamped), so only the mask is checked there.
    for (const std::string mode : {"none", "exact"}) {
        INFO("--consistency " << mode);
        const auto out = tmp.file("sr-" + mode + ".tif");
        const auto run = run_tool("lssr-upscale", with(base_args(), {in, "-o", out, "--consistency", mode}));
        REQUIRE(run.exit_code == 0);
        const auto got = lssr::test::read_raster_file(out);
        REQUIRE(got.grid.width == 120);
        size_t wrong = 0, valid = 0;
        for (int b = 0; b < 6; ++b)
            for (int r = 0; r < got.grid.height; ++r)
                for (int c = 0; c < got.grid.width; ++c) {
                    const float v = got.values.at(b, r, c);
                    const bool missing = !std::isfinite(v);
                    wrong += missing != bad(r / 3, c / 3);
                    valid += !missing;
                    if (!missing && mode == "none") wrong += v < 0.0f || v > 1.0f;
                }
        CHECK(wrong == 0);  // before: the whole tile turned NaN (the Inf pixels spread)
        CHECK(valid == 6u * (120 * 108 - 9 * 102));
    }
}

TEST_CASE("upscale_scene: a model returning NaN for valid input is an error naming the model", "[sr][upscale][finite]") {
    TempDir tmp;
    const auto in = tmp.file("clean.tif");
    write_stack(in, 20, 20, kCanonical);
    const auto scene = resolve(in);
    NearestModel model;
    model.broken = true;
    sr::UpscaleOptions options;
    options.tile = 16;
    options.overlap = 4;
    options.output = tmp.file("out.tif");
    options.metadata["LSSR_MODEL"] = "broken.safetensors";
    CHECK_THROWS_AS(sr::upscale_scene(scene, model, options), Error);
    CHECK_THROWS_WITH(sr::upscale_scene(scene, model, options),
                      Contains("broken.safetensors: returned") && Contains("NaN or infinite") && Contains(in));
    CHECK_FALSE(path_exists(options.output));  // nothing half-written left behind
    model.broken = false;
    CHECK_NOTHROW(sr::upscale_scene(scene, model, options));
}

TEST_CASE("lssr-upscale: band roles follow the descriptions; contradictions are refused", "[sr][upscale][roles]") {
    TempDir tmp;
    // The same reflectance as reversed bands described so, and as the 7-band L8 layout (coastal first).
    write_stack(tmp.file("canonical.tif"), 20, 20, kCanonical);
    write_stack(tmp.file("reversed.tif"), 20, 20, {"swir2", "swir1", "nir", "red", "green", "blue"});
    write_stack(tmp.file("seven.tif"), 20, 20, {"coastal", "blue", "green", "red", "nir", "swir1", "swir2"});
    const auto reversed = resolve(tmp.file("reversed.tif"));
    CHECK(reversed.ref.band("blue").band == 6);
    CHECK(reversed.ref.band("swir2").band == 1);
    const auto seven = resolve(tmp.file("seven.tif"));
    CHECK(seven.ref.band("blue").band == 2);
    CHECK(seven.ref.band("swir2").band == 7);

    std::vector<RasterBlock> outputs;
    for (const char* name : {"canonical.tif", "reversed.tif", "seven.tif"}) {
        NearestModel model;
        sr::UpscaleOptions options;
        options.tile = 16;
        options.overlap = 4;
        options.output = tmp.file(std::string("sr_") + name);
        sr::upscale_scene(resolve(tmp.file(name)), model, options);
        const auto got = lssr::test::read_raster_file(options.output);
        CHECK(got.descriptions == kCanonical);
        outputs.push_back(got.values);
    }
    CHECK(outputs[1].data == outputs[0].data);
    CHECK(outputs[2].data == outputs[0].data);

    // Before: plain band order, coastal labelled blue. Now one line naming the file, exit 1.
    write_stack(tmp.file("coastal.tif"), 20, 20, {"swir2", "swir1", "nir", "red", "green", "coastal"});
    write_stack(tmp.file("dup.tif"), 20, 20, {"blue", "green", "red", "red", "swir1", "swir2"});
    write_stack(tmp.file("seven_plain.tif"), 20, 20, {"", "", "", "", "", "", ""});
    for (const char* name : {"coastal.tif", "dup.tif", "seven_plain.tif"}) {
        const auto r = run_tool("lssr-upscale", with(base_args(), {tmp.file(name), "-o", tmp.file("x.tif")}));
        CHECK(r.exit_code == 1);
        CHECK_THAT(r.err, Contains(tmp.file(name) + ": "));
        CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
    }
}

TEST_CASE("output_encoding: integer -ot keeps reflectance with a scale it can hold", "[sr][upscale][ot]") {
    const std::vector<BandScaling> hls(6, BandScaling{1e-4, 0.0, -9999.0});
    const std::vector<BandScaling> plain(6, BandScaling{});
    const std::vector<BandScaling> landsat_l2(6, BandScaling{2.75e-5, -0.2, 0.0});

    auto same = sr::output_encoding(GDT_Int16, hls, "");
    CHECK(same.type == GDT_Int16);
    CHECK(same.scalings[0].scale == 1e-4);
    CHECK(*same.nodata == -9999.0);
    CHECK(same.note.empty());
    auto wider = sr::output_encoding(GDT_Int16, hls, "Int32");
    CHECK(wider.scalings[0].scale == 1e-4);
    CHECK(*wider.nodata == -9999.0);
    CHECK(wider.note.empty());
    // UInt16 holds the data at 1e-4 but not the nodata -9999.
    auto unsigned16 = sr::output_encoding(GDT_Int16, hls, "UInt16");
    CHECK(unsigned16.scalings[0].scale == 1e-4);
    CHECK(*unsigned16.nodata == 65535.0);
    CHECK_THAT(unsigned16.note, Contains("nodata -9999"));
    // Byte cannot hold 0..10000: reflectance goes to scale 0.004, nodata 255.
    for (const auto& input : {std::pair{GDT_Int16, hls}, std::pair{GDT_Float32, plain}}) {
        auto byte = sr::output_encoding(input.first, input.second, "Byte");
        CHECK(byte.type == GDT_Byte);
        CHECK(byte.scalings[2].scale == Approx(0.004));
        CHECK(byte.scalings[2].offset == 0.0);
        CHECK(*byte.nodata == 255.0);
        CHECK(byte.scalings[2].nodata == byte.nodata);
        CHECK_THAT(byte.note, Contains("scale 0.004"));
        CHECK(byte.encode(0.5f, 2) == Approx(125.0f));
        CHECK(byte.encode(1.2f, 2) == 254.0f);  // clipped short of nodata
        CHECK(byte.encode(-0.1f, 2) == 0.0f);
        CHECK(std::isnan(byte.encode(NAN, 2)));
    }
    // Float32 reflectance into Int16 would round to 0 and 1: scale 1e-4, nodata -9999.
    auto from_float = sr::output_encoding(GDT_Float32, plain, "Int16");
    CHECK(from_float.scalings[0].scale == Approx(1e-4));
    CHECK(*from_float.nodata == -9999.0);
    CHECK_FALSE(from_float.note.empty());
    // Landsat C2 L2 (UInt16, 2.75e-5, -0.2) needs DN 43636 for reflectance 1: too much for Int16.
    auto l2 = sr::output_encoding(GDT_UInt16, landsat_l2, "Int16");
    CHECK(l2.scalings[0].scale == Approx(1e-4));
    CHECK(l2.scalings[0].offset == 0.0);
    // ... and stays as it is in UInt32 (its nodata 0 is below the data).
    auto l2_wide = sr::output_encoding(GDT_UInt16, landsat_l2, "UInt32");
    CHECK(l2_wide.scalings[0].scale == 2.75e-5);
    CHECK(*l2_wide.nodata == 0.0);
    CHECK(l2_wide.encode(-0.5f, 0) == 1.0f);  // never nodata
    // An unsigned input without nodata whose DN 0 is reflectance 0 gets the type's maximum.
    auto no_nodata = sr::output_encoding(GDT_UInt16, std::vector<BandScaling>(6, BandScaling{1e-4, 0.0, std::nullopt}), "");
    CHECK(*no_nodata.nodata == 65535.0);
    // Float over integer: reflectance.
    auto refl = sr::output_encoding(GDT_Int16, hls, "Float32");
    CHECK(refl.scalings[0].scale == 1.0);
    CHECK(std::isnan(*refl.nodata));
}

TEST_CASE("lssr-upscale -ot Byte keeps the data (scale 0.004) and says so", "[sr][upscale][cli][ot]") {
    TempDir tmp;
    const auto in = tmp.file("float.tif");
    write_stack(in, 14, 11, kCanonical, [](int, int r, int c, float v) { return r == 3 && c == 4 ? NAN : v; });
    const auto byte_out = tmp.file("byte.tif"), float_out = tmp.file("float_sr.tif");
    const auto run = run_tool("lssr-upscale", with(base_args(), {in, "-o", byte_out, "-ot", "Byte"}));
    REQUIRE(run.exit_code == 0);
    CHECK_THAT(run.err, Contains("warning: " + byte_out + ": -ot Byte") && Contains("scale 0.004"));
    REQUIRE(run_tool("lssr-upscale", with(base_args(), {in, "-o", float_out})).exit_code == 0);
    const auto b = lssr::test::read_raster_file(byte_out), f = lssr::test::read_raster_file(float_out);
    CHECK(b.type == GDT_Byte);
    REQUIRE(b.has_nodata);
    CHECK(b.nodata == 255.0);
    auto ds = open_raster(byte_out);
    int has_scale = 0;
    CHECK(ds->GetRasterBand(3)->GetScale(&has_scale) == Approx(0.004));
    size_t wrong = 0, nonzero = 0;
    for (size_t i = 0; i < b.values.data.size(); ++i) {
        const float dn = b.values.data[i], refl = f.values.data[i];
        if (std::isnan(refl)) {
            wrong += dn != 255.0f;
            continue;
        }
        nonzero += dn > 0;
        // Byte holds reflectance 0..1.016; the projected output may step past it.
        const float held = std::clamp(refl, 0.0f, 254 * 0.004f);
        wrong += std::abs(dn * 0.004 - held) > 0.002 + 1e-6;  // half a DN
    }
    CHECK(wrong == 0);
    CHECK(nonzero > b.values.data.size() / 2);  // before: every pixel 0
}

TEST_CASE("lssr-upscale: a 10^6 x 10^6 VRT is refused at once, naming the file and the sizes", "[sr][upscale][limits]") {
    TempDir tmp;
    const auto small = tmp.file("small.tif"), vrt = tmp.file("huge.vrt");
    write_small_int16(small);
    write_huge_vrt(vrt, small, 1000000, 1000000);
    const auto t0 = std::chrono::steady_clock::now();
    const auto r = run_tool("lssr-upscale", with(base_args(), {vrt, "-o", tmp.file("huge_sr.tif")}));
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.err, Contains(vrt + ": ") && Contains("3000000 x 3000000"));
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
    CHECK(seconds < 30);  // before: "out of memory" after 35 s, naming no file
    CHECK_FALSE(path_exists(tmp.file("huge_sr.tif")));

    // More output pixels per side than a GDAL raster can have.
    const auto wide = tmp.file("wide.vrt");
    write_huge_vrt(wide, small, 800000000, 10);
    NearestModel model;
    sr::UpscaleOptions options;
    options.output = tmp.file("wide_sr.tif");
    CHECK_THROWS_WITH(sr::upscale_scene(resolve(wide), model, options),
                      Contains(wide + ": ") && Contains("2400000000 x 30 output"));
    CHECK(model.calls == 0);
}
