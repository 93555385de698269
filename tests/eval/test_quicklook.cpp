// Quick-look pictures (libio/quicklook, lssr-eval --panels): known colours for
// known reflectances, the NDVI ramp, nodata, the panel layout and the PNG files.
#include <catch2/catch.hpp>

#include <gdal_priv.h>

#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "libio/core/errors.hpp"
#include "libio/gdal/gdal_dataset.hpp"
#include "libeval/quicklook.hpp"
#include "support.hpp"

namespace fs = std::filesystem;
using namespace lssr;
using namespace lssr::io;
using lssr::test::run_tool;
using lssr::test::TempDir;
using Rgba = std::array<std::uint8_t, 4>;

namespace {

// One pixel per spectrum: bands blue..swir2.
RasterBlock pixels(const std::vector<std::array<float, 6>>& spectra) {
    RasterBlock b(6, static_cast<int>(spectra.size()), 1);
    for (size_t i = 0; i < spectra.size(); ++i)
        for (int k = 0; k < 6; ++k) b.at(k, 0, static_cast<int>(i)) = spectra[i][k];
    return b;
}

struct Png {
    int width = 0, height = 0, bands = 0;
    std::vector<GDALColorInterp> interp;
    std::vector<std::uint8_t> rgba;  // pixel-interleaved, when 4 bands
};

Png open_png(const std::string& path) {
    DatasetPtr ds = open_raster(path);
    Png p;
    p.width = ds->GetRasterXSize();
    p.height = ds->GetRasterYSize();
    p.bands = ds->GetRasterCount();
    for (int b = 1; b <= p.bands; ++b) p.interp.push_back(ds->GetRasterBand(b)->GetColorInterpretation());
    CHECK(std::string(ds->GetDriver()->GetDescription()) == "PNG");
    if (p.bands == 4) {
        p.rgba.resize(size_t(4) * p.width * p.height);
        int list[4] = {1, 2, 3, 4};
        REQUIRE(ds->RasterIO(GF_Read, 0, 0, p.width, p.height, p.rgba.data(), p.width, p.height, GDT_Byte, 4, list, 4,
                             4 * p.width, 1, nullptr) == CE_None);
    }
    return p;
}

}  // namespace

TEST_CASE("quicklook: true and false colour map reflectance linearly onto the stretch", "[quicklook]") {
    // blue 0.1, green 0.2, red 0.25, nir 0.5, swir 0.3/0.2; and one pixel over the range.
    const auto block = pixels({{0.1f, 0.2f, 0.25f, 0.5f, 0.3f, 0.2f}, {0.0f, 0.6f, -0.1f, 0.45f, 0.1f, 0.1f}});
    const Stretch s{0.0f, 0.5f};
    const auto tc = render_quicklook(block, QuicklookKind::TrueColor, s);
    REQUIRE(tc.width == 2);
    CHECK(tc.at(0, 0) == Rgba{128, 102, 51, 255});  // red, green, blue: 0.25, 0.2, 0.1 of 0.5
    CHECK(tc.at(0, 1) == Rgba{0, 255, 0, 255});     // clipped at both ends
    const auto fc = render_quicklook(block, QuicklookKind::FalseColor, s);
    CHECK(fc.at(0, 0) == Rgba{153, 255, 128, 255});  // swir1, nir, red
    // The stretch shifts and scales: red 0.25 is 0.4 of the way from 0.05 to 0.55.
    CHECK(render_quicklook(block, QuicklookKind::TrueColor, Stretch{0.05f, 0.55f}).at(0, 0)[0] == 102);
}

TEST_CASE("quicklook: the NDVI ramp is fixed: brown, yellow, green, clamped outside", "[quicklook]") {
    using C = std::array<std::uint8_t, 3>;
    CHECK(ndvi_color(-0.2f) == C{140, 81, 10});
    CHECK(ndvi_color(-1.0f) == C{140, 81, 10});
    CHECK(ndvi_color(0.3f) == C{246, 232, 120});
    CHECK(ndvi_color(0.9f) == C{0, 104, 55});
    CHECK(ndvi_color(1.0f) == C{0, 104, 55});
    CHECK(ndvi_color(0.5f) == C{164, 189, 98});  // a third of the way from yellow to green
    // Rendered from red and nir, whatever the stretch: NDVI 0.9 and -0.2.
    const auto img = render_quicklook(pixels({{0.1f, 0.1f, 0.05f, 0.95f, 0.2f, 0.1f}, {0.1f, 0.1f, 0.3f, 0.2f, 0.2f, 0.1f}}),
                                      QuicklookKind::Ndvi, Stretch{0.0f, 0.01f});
    CHECK(img.at(0, 0) == Rgba{0, 104, 55, 255});
    CHECK(img.at(0, 1) == Rgba{140, 81, 10, 255});
}

TEST_CASE("quicklook: nodata is transparent only where a band the picture needs is missing", "[quicklook]") {
    const float nan = NAN;
    // 0: swir1 missing, 1: red missing, 2: nir missing, 3: nir + red = 0.
    const auto block = pixels({{0.1f, 0.1f, 0.1f, 0.3f, nan, 0.1f},
                               {0.1f, 0.1f, nan, 0.3f, 0.2f, 0.1f},
                               {0.1f, 0.1f, 0.1f, nan, 0.2f, 0.1f},
                               {0.1f, 0.1f, 0.0f, 0.0f, 0.2f, 0.1f}});
    const Stretch s{0.0f, 0.4f};
    const auto tc = render_quicklook(block, QuicklookKind::TrueColor, s);
    const auto fc = render_quicklook(block, QuicklookKind::FalseColor, s);
    const auto nd = render_quicklook(block, QuicklookKind::Ndvi, s);
    CHECK(tc.at(0, 0)[3] == 255);
    CHECK(fc.at(0, 0) == Rgba{0, 0, 0, 0});
    CHECK(tc.at(0, 1) == Rgba{0, 0, 0, 0});
    CHECK(tc.at(0, 2)[3] == 255);
    CHECK(fc.at(0, 2) == Rgba{0, 0, 0, 0});
    CHECK(nd.at(0, 0)[3] == 255);
    CHECK(nd.at(0, 1)[3] == 0);
    CHECK(nd.at(0, 2)[3] == 0);
    CHECK(nd.at(0, 3)[3] == 0);
}

TEST_CASE("quicklook: percentile stretch ignores outliers and missing pixels", "[quicklook]") {
    RasterBlock b(6, 100, 10, 0.0f);
    for (int r = 0; r < 10; ++r)
        for (int c = 0; c < 100; ++c)
            for (int k = 0; k < 3; ++k) b.at(k, r, c) = 0.1f + 0.002f * c;  // 0.1 .. 0.298
    b.at(2, 0, 0) = 50.0f;  // a hot pixel
    b.at(0, 5, 5) = NAN;
    const auto s = percentile_stretch(b, QuicklookKind::TrueColor);
    CHECK(s.low == Approx(0.104).margin(0.003));
    CHECK(s.high == Approx(0.296).margin(0.003));
    // Nothing present: the fixed default.
    RasterBlock empty(6, 4, 4, NAN);
    CHECK(percentile_stretch(empty, QuicklookKind::FalseColor).high == Stretch{}.high);
}

TEST_CASE("quicklook: panels put images side by side, coarse ones as nearest-neighbour blocks", "[quicklook]") {
    RgbaImage lr(2, 2), hr(6, 6);
    for (int i = 0; i < 4; ++i) lr.pixels[4 * i] = static_cast<std::uint8_t>(10 * (i + 1)), lr.pixels[4 * i + 3] = 255;
    for (size_t i = 0; i < hr.pixels.size(); ++i) hr.pixels[i] = 200;
    const auto p = side_by_side({lr, hr}, 6, 6, 4);
    REQUIRE(p.width == 16);
    REQUIRE(p.height == 6);
    CHECK(p.at(0, 0)[0] == 10);
    CHECK(p.at(2, 2)[0] == 10);
    CHECK(p.at(2, 3)[0] == 20);
    CHECK(p.at(3, 0)[0] == 30);
    CHECK(p.at(5, 5)[0] == 40);
    CHECK(p.at(0, 6) == Rgba{0, 0, 0, 0});  // the gap
    CHECK(p.at(0, 9) == Rgba{0, 0, 0, 0});
    CHECK(p.at(0, 10) == Rgba{200, 200, 200, 200});
}

TEST_CASE("quicklook: PNG files open in GDAL as RGBA of the right size and are never replaced silently",
          "[quicklook]") {
    TempDir dir;
    RgbaImage img(5, 3);
    for (size_t i = 0; i < img.pixels.size(); ++i) img.pixels[i] = static_cast<std::uint8_t>(i);
    const auto path = dir.file("a.png");
    write_png(img, path, false);
    const Png png = open_png(path);
    CHECK(png.width == 5);
    CHECK(png.height == 3);
    REQUIRE(png.bands == 4);
    CHECK(png.interp[3] == GCI_AlphaBand);
    CHECK(png.rgba == img.pixels);
    CHECK(test::list_files(dir.path()) == std::vector<std::string>{"a.png"});  // no temporaries, no .aux.xml
    CHECK_THROWS_AS(write_png(RgbaImage(2, 2), path, false), OutputError);
    CHECK(open_png(path).width == 5);
    write_png(RgbaImage(2, 2), path, true);
    CHECK(open_png(path).width == 2);
}

TEST_CASE("quicklook: write_quicklooks writes the three pictures of a raster, decimated, or none", "[quicklook]") {
    TempDir dir;
    test::write_test_raster(dir.file("scene.tif"), test::utm_grid(300, 150, 10), 6, GDT_Float32,
                            [](int b, int r, int c) { return 0.05 + 0.05 * b + 0.001 * ((r + c) % 50); });
    write_quicklooks(dir.file("scene.tif"), dir.file("ql"), false, 100);
    for (const char* kind : {"truecolor", "falsecolor", "ndvi"}) {
        const Png png = open_png(dir.file(std::string("ql_") + kind + ".png"));
        CHECK(png.width == 100);
        CHECK(png.height == 50);
        CHECK(png.bands == 4);
    }
    // One of the three exists: nothing is replaced, the error names it.
    fs::remove(dir.file("ql_truecolor.png"));
    fs::remove(dir.file("ql_falsecolor.png"));
    CHECK_THROWS_WITH(write_quicklooks(dir.file("scene.tif"), dir.file("ql"), false, 100),
                      Catch::Contains("ql_ndvi.png") && Catch::Contains("already exists"));
    CHECK_FALSE(fs::exists(dir.file("ql_truecolor.png")));
}

TEST_CASE("lssr-eval --panels writes LR | baseline | prediction | reference for each sample", "[quicklook][cli][eval]") {
    TempDir dir;
    for (const char* sub : {"pred", "ref", "lr", "cubic"}) fs::create_directories(dir.file(sub));
    auto refl = [](double offset) {
        return [offset](int b, int r, int c) { return 0.1 + 0.04 * b + 0.002 * ((3 * r + c) % 20) + offset; };
    };
    for (const char* s : {"a", "b"}) {
        const std::string n = s;
        test::write_test_raster(dir.file("ref/" + n + "_S2.tif"), test::utm_grid(24, 12, 10), 6, GDT_Float32, refl(0));
        test::write_test_raster(dir.file("pred/" + n + "_SR.tif"), test::utm_grid(24, 12, 10), 6, GDT_Float32, refl(0.01));
        test::write_test_raster(dir.file("cubic/" + n + "_SR.tif"), test::utm_grid(24, 12, 10), 6, GDT_Float32, refl(0.02));
        test::write_test_raster(dir.file("lr/" + n + "_L8.tif"), test::utm_grid(8, 4, 30), 6, GDT_Float32, refl(0));
    }
    const auto prefix = dir.file("panels/p");
    const auto run = run_tool("lssr-eval", {dir.file("pred"), dir.file("ref"), "--lr", dir.file("lr"), "--panels", prefix,
                                            "--panel-baseline", dir.file("cubic"), "-q"});
    INFO(run.err);
    REQUIRE(run.exit_code == 0);
    CHECK(nlohmann::json::parse(run.out)["samples"] == 2);
    for (const char* s : {"a", "b"})
        for (const char* kind : {"truecolor", "falsecolor", "ndvi"}) {
            const Png png = open_png(prefix + "_" + s + "_" + kind + ".png");
            CHECK(png.width == 4 * 24 + 3 * 4);
            CHECK(png.height == 12);
            CHECK(png.bands == 4);
        }
    // Existing panels are refused before the work, with exit 1.
    const auto again = run_tool("lssr-eval", {dir.file("pred"), dir.file("ref"), "--panels", prefix, "-q"});
    CHECK(again.exit_code == 1);
    CHECK(again.err.find("p_a_truecolor.png") != std::string::npos);
    // A baseline without --panels is a usage error.
    CHECK(run_tool("lssr-eval", {dir.file("pred"), dir.file("ref"), "--panel-baseline", dir.file("cubic")}).exit_code == 2);
}
