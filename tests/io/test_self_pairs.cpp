// lssr-tile --self-pairs: a dataset cut from 30 m scenes alone (Wald's
// protocol). The scene is the HR, its 3x degradation the LR, in the layout
// lssr-train reads.
#include <catch2/catch.hpp>

#include <gdal_priv.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "libio/core/errors.hpp"
#include "libio/tiling/self_pairs.hpp"
#include "support.hpp"
#include "tile_fixture.hpp"

namespace fs = std::filesystem;
using namespace lssr;
using namespace lssr::io;
using lssr::test::read_raster_file;
using lssr::test::run_tool;
using lssr::test::TempDir;
namespace fx = lssr::test::tile;

namespace {

constexpr int kSize = 36;       // scene pixels each way
constexpr int kLrPatch = 4;     // LR patch: 12 HR pixels, 3 x 3 patches per scene
constexpr double kScale = 1e-4;

// Stored DN of band b at (r, c): varies at every pixel, so a shift or a wrong
// block shows; `hole` (r, c) of band 2 is nodata when set.
double dn(int b, int r, int c) { return 500.0 * (b + 1) + (r * 37 + c * 11) % 400; }

// A 6-band Int16 stack with scale 1e-4 and nodata -9999, like an HLS/Landsat SR export.
std::string write_scene(const TempDir& dir, const std::string& name,
                        std::function<double(int, int, int)> value = dn, int bands = 6, int size = kSize) {
    const std::string path = dir.file(name);
    fx::write_field(
        path, lssr::test::utm_grid(size, size, 30.0, fx::kX0, fx::kY0), bands, GDT_Int16,
        [&](int b, int r, int c, double, double) { return value(b, r, c); }, -9999.0,
        std::vector<BandScaling>(bands, BandScaling{kScale, 0.0, -9999.0}));
    return path;
}

SelfPairsOptions options_for(const std::vector<std::string>& scenes, const std::string& out) {
    SelfPairsOptions o;
    o.scenes = scenes;
    o.out_dir = out;
    o.patch = kLrPatch;
    o.test_fraction = 0.3;
    return o;
}

std::vector<nlohmann::json> read_index(const std::string& dir) {
    std::vector<nlohmann::json> lines;
    std::ifstream in(fs::path(dir) / "index.jsonl");
    std::string line;
    while (std::getline(in, line))
        if (!line.empty()) lines.push_back(nlohmann::json::parse(line));
    return lines;
}

}  // namespace

TEST_CASE("self pairs: the HR is the scene in reflectance, the LR its exact 3x3 block mean", "[self-pairs]") {
    TempDir dir;
    const auto scene = write_scene(dir, "LC08_L2SP_026031_20210701_20210708_02_T1.tif");
    const auto out = dir.file("ds");
    const SelfPairsSummary s = build_self_pairs(options_for({scene}, out));
    CHECK(s.candidates == 9);
    CHECK(s.kept == 9);
    CHECK(s.train + s.test == 9);
    CHECK(s.test > 0);  // the split is used (seed 0 puts 4 of the 9 in test/)
    const auto index = read_index(out);
    REQUIRE(index.size() == 9);
    for (const auto& rec : index) {
        INFO(rec.dump());
        CHECK(rec["self_pairs"] == true);
        CHECK(rec["psf"] == "box");
        CHECK(rec["month"] == 7);
        CHECK_FALSE(rec["files"].contains("DEM"));
        const std::string l8 = (fs::path(out) / rec["files"]["L8"].get<std::string>()).string();
        const std::string s2 = (fs::path(out) / rec["files"]["S2"].get<std::string>()).string();
        // The layout lssr-train scans: <split>/<id>_<YYYYMMDD>_{L8,S2}.tif.
        CHECK(l8 == (fs::path(out) / rec["split"].get<std::string>() /
                     (rec["id"].get<std::string>() + "_20210701_L8.tif")).string());
        const auto lr = read_raster_file(l8);
        const auto hr = read_raster_file(s2);
        CHECK(lr.type == GDT_Float32);
        CHECK(hr.type == GDT_Float32);
        CHECK(lr.descriptions == std::vector<std::string>{"blue", "green", "red", "nir", "swir1", "swir2"});
        REQUIRE(lr.grid.width == kLrPatch);
        REQUIRE(hr.grid.width == 3 * kLrPatch);
        // Same origin, pixel 3x, same CRS.
        CHECK(lr.grid.origin_x() == hr.grid.origin_x());
        CHECK(lr.grid.origin_y() == hr.grid.origin_y());
        CHECK(lr.grid.pixel_width() == 3 * hr.grid.pixel_width());
        CHECK(lr.grid.pixel_height() == 3 * hr.grid.pixel_height());
        CHECK(lr.grid.crs_wkt == hr.grid.crs_wkt);
        CHECK(hr.grid.pixel_width() == 30.0);
        // HR = the scene's DNs scaled, at the patch's place in the scene.
        const int row0 = static_cast<int>(std::lround((fx::kY0 - hr.grid.origin_y()) / 30.0));
        const int col0 = static_cast<int>(std::lround((hr.grid.origin_x() - fx::kX0) / 30.0));
        for (int b = 0; b < 6; ++b)
            for (int r = 0; r < hr.grid.height; ++r)
                for (int c = 0; c < hr.grid.width; ++c)
                    REQUIRE(hr.values.at(b, r, c) == static_cast<float>(dn(b, row0 + r, col0 + c) * kScale));
        for (int b = 0; b < 6; ++b)
            for (int i = 0; i < kLrPatch; ++i)
                for (int j = 0; j < kLrPatch; ++j) {
                    double sum = 0;
                    for (int r = 0; r < 3; ++r)
                        for (int c = 0; c < 3; ++c) sum += hr.values.at(b, 3 * i + r, 3 * j + c);
                    REQUIRE(lr.values.at(b, i, j) == Approx(sum / 9).epsilon(1e-6));
                }
    }
}

TEST_CASE("self pairs: the Gaussian PSF blurs beyond the block yet keeps a constant scene's level",
          "[self-pairs]") {
    TempDir dir;
    const auto varying = write_scene(dir, "varying.tif");
    auto gaussian = options_for({varying}, dir.file("gauss"));
    gaussian.psf = Psf::Gaussian;
    gaussian.test_fraction = 0;
    auto box = gaussian;
    box.psf = Psf::Box;
    box.out_dir = dir.file("box");
    build_self_pairs(gaussian);
    build_self_pairs(box);
    const std::string patch = "train/varying-r001-c001_00000000_L8.tif";
    const auto g = read_raster_file(dir.file("gauss/" + patch));
    const auto b = read_raster_file(dir.file("box/" + patch));
    double largest = 0;
    for (size_t i = 0; i < g.values.data.size(); ++i)
        largest = std::max(largest, std::abs(double(g.values.data[i]) - b.values.data[i]));
    CHECK(largest > 1e-3);
    CHECK(read_index(dir.file("gauss")).front()["psf"] == "gaussian");

    // A constant scene: every weight sum is renormalised, edges included.
    const auto flat = write_scene(dir, "flat.tif", [](int bb, int, int) { return 1000.0 * (bb + 1); });
    auto o = options_for({flat}, dir.file("flat"));
    o.psf = Psf::Gaussian;
    build_self_pairs(o);
    for (const auto& rec : read_index(dir.file("flat"))) {
        const auto lr = read_raster_file(dir.file("flat/" + rec["files"]["L8"].get<std::string>()));
        for (int bb = 0; bb < 6; ++bb)
            for (int i = 0; i < kLrPatch * kLrPatch; ++i)
                REQUIRE(lr.values.band(bb)[i] == Approx(0.1 * (bb + 1)).epsilon(1e-6));
    }
}

TEST_CASE("self pairs: a nodata pixel is missing in every band and makes its LR pixel missing",
          "[self-pairs]") {
    TempDir dir;
    // Band 3 (red) nodata at scene pixel (13, 16): patch r001-c001, HR (1, 4), LR (0, 1).
    const auto scene = write_scene(dir, "holey.tif", [](int b, int r, int c) {
        return b == 2 && r == 13 && c == 16 ? -9999.0 : dn(b, r, c);
    });
    auto o = options_for({scene}, dir.file("strict"));
    const auto strict = build_self_pairs(o);
    CHECK(strict.kept == 8);
    CHECK(strict.skipped_nodata == 1);
    CHECK_FALSE(fs::exists(dir.file("strict/train/holey-r001-c001_00000000_S2.tif")));
    CHECK_FALSE(fs::exists(dir.file("strict/test/holey-r001-c001_00000000_S2.tif")));

    o.out_dir = dir.file("lenient");
    o.max_nodata = 0.1;  // 9 of 144 HR pixels lie under the missing LR pixel
    o.test_fraction = 0;
    CHECK(build_self_pairs(o).kept == 9);
    const auto hr = read_raster_file(dir.file("lenient/train/holey-r001-c001_00000000_S2.tif"));
    const auto lr = read_raster_file(dir.file("lenient/train/holey-r001-c001_00000000_L8.tif"));
    for (int b = 0; b < 6; ++b) {
        CHECK(std::isnan(hr.values.at(b, 1, 4)));
        CHECK(std::isnan(lr.values.at(b, 0, 1)));
        CHECK_FALSE(std::isnan(lr.values.at(b, 0, 0)));
        CHECK_FALSE(std::isnan(hr.values.at(b, 1, 3)));
    }
    for (const auto& rec : read_index(dir.file("lenient")))
        if (rec["id"] == "holey-r001-c001") CHECK(rec["nodata_fraction"].get<double>() == Approx(9.0 / 144));
}

TEST_CASE("self pairs: dates from --date, from the name, else 00000000 (month 0)", "[self-pairs]") {
    CHECK(date_in_name("dir/LC08_L2SP_026031_20210701_20210708_02_T1.tif")->iso() == "2021-07-01");
    CHECK(date_in_name("scene-2020-03-15.tif")->iso() == "2020-03-15");
    CHECK(date_in_name("x20190230_20190302.tif")->iso() == "2019-03-02");  // 30 Feb is no day
    CHECK_FALSE(date_in_name("path026031_row123456789.tif"));
    CHECK_FALSE(date_in_name("/data/20210701/scene.tif"));  // the folder is not the scene's name

    TempDir dir;
    const auto scene = write_scene(dir, "mosaic.tif");
    auto o = options_for({scene}, dir.file("a"));
    o.test_fraction = 0;
    const auto s = build_self_pairs(o);
    CHECK(s.scenes_without_date == 1);
    CHECK(fs::exists(dir.file("a/train/mosaic-r000-c000_00000000_L8.tif")));
    CHECK(read_index(dir.file("a")).front()["month"] == 0);
    o.out_dir = dir.file("b");
    o.date = "2022-11-05";
    CHECK(build_self_pairs(o).scenes_without_date == 0);
    CHECK(fs::exists(dir.file("b/train/mosaic-r000-c000_20221105_S2.tif")));
    CHECK(read_index(dir.file("b")).front()["month"] == 11);
}

TEST_CASE("self pairs: DEM and land cover are warped onto each HR patch", "[self-pairs]") {
    TempDir dir;
    const auto pair = fx::make_pair(dir);  // DEM in EPSG:4326, land cover at 10 m UTM, both cover the scene
    const auto scene = write_scene(dir, "s.tif");
    auto o = options_for({scene}, dir.file("ds"));
    o.dem = pair.dem;
    o.landcover = pair.landcover;
    o.test_fraction = 0;
    REQUIRE(build_self_pairs(o).kept == 9);
    const auto dem = read_raster_file(dir.file("ds/train/s-r000-c000_00000000_DEM.tif"));
    const auto lc = read_raster_file(dir.file("ds/train/s-r000-c000_00000000_LC.tif"));
    const auto hr = read_raster_file(dir.file("ds/train/s-r000-c000_00000000_S2.tif"));
    CHECK(dem.grid.width == hr.grid.width);
    CHECK(dem.grid.origin_x() == hr.grid.origin_x());
    CHECK(lc.type == GDT_Byte);
    // Pixel (0, 0) centre: x = kX0 + 15, y = kY0 - 15.
    CHECK(dem.values.at(0, 0, 0) == Approx(fx::elevation(fx::kX0 + 15, fx::kY0 - 15)).margin(0.5));
    CHECK(read_index(dir.file("ds")).front()["files"].contains("LC"));
}

TEST_CASE("lssr-tile --self-pairs: bad inputs fail with one line naming the file, writing nothing",
          "[self-pairs][cli]") {
    TempDir dir;
    const auto good = write_scene(dir, "good.tif");
    const auto out = dir.file("out");
    struct Case {
        std::string file, says;
    };
    const std::vector<Case> cases{
        {write_scene(dir, "five.tif", dn, 5), "band"},
        {write_scene(dir, "empty.tif", [](int, int, int) { return -9999.0; }), "only nodata"},
        {write_scene(dir, "small.tif", dn, 6, 11), "smaller than one patch"},
        {dir.file("missing.tif"), "no such file"},
    };
    for (const auto& c : cases) {
        const auto r = run_tool("lssr-tile", {"--self-pairs", good, c.file, "-O", out, "--patch", "4", "-q"});
        INFO(r.err);
        CHECK(r.exit_code == 1);
        CHECK(r.err.rfind("lssr-tile: error: " + c.file + ": ", 0) == 0);
        CHECK(r.err.find(c.says) != std::string::npos);
        CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
        CHECK_FALSE(fs::exists(out));
    }
    // It works with the good scene alone, and reports what it kept.
    const auto r = run_tool("lssr-tile", {"--self-pairs", good, "-O", out, "--patch", "4", "--psf", "gaussian"});
    INFO(r.err);
    CHECK(r.exit_code == 0);
    CHECK(r.err.find("kept 9") != std::string::npos);
    CHECK(fs::exists(dir.file("out/index.jsonl")));
    // An existing output stays unless --overwrite.
    CHECK(run_tool("lssr-tile", {"--self-pairs", good, "-O", out, "--patch", "4", "-q"}).exit_code == 1);
    CHECK(run_tool("lssr-tile", {"--self-pairs", good, "-O", out, "--patch", "4", "-q", "--overwrite"})
              .exit_code == 0);
}

TEST_CASE("lssr-tile --self-pairs excludes the other modes and their options (exit 2)", "[self-pairs][cli]") {
    TempDir dir;
    const auto scene = write_scene(dir, "s.tif");
    const std::vector<std::vector<std::string>> bad{
        {"pairs.jsonl", "--self-pairs", scene, "-O", dir.file("x")},
        {"--self-pairs", scene, "--scene", scene, "-O", dir.file("x")},
        {"--self-pairs", scene, "--stitch", "i.jsonl", "-O", dir.file("x")},
        {"--self-pairs", scene},                                           // no -O
        {"--self-pairs", scene, "-O", dir.file("x"), "--max-cloud", "0.1"},  // no QA to screen
        {"--self-pairs", scene, "-O", dir.file("x"), "--psf", "cubic"},
        {"--self-pairs", scene, "-O", dir.file("x"), "--date", "2021-02-30"},
        {"--self-pairs", scene, "-O", dir.file("x"), "--patch", "0"},
        {"--self-pairs", scene, "-O", scene},                               // output is an input
        {"--scene", scene, "-O", dir.file("x"), "--psf", "box"},           // self-pairs option
    };
    for (const auto& args : bad) {
        const auto r = run_tool("lssr-tile", args);
        INFO(r.err);
        CHECK(r.exit_code == 2);
        CHECK(r.err.rfind("lssr-tile: error: ", 0) == 0);
    }
    CHECK_FALSE(fs::exists(dir.file("x")));
}
