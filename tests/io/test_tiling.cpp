// Dataset mode of lssr-tile: co-registered LR/HR/DEM/LC/S1 patches, screening,
// the train/test split and all-or-nothing output.
#include <catch2/catch.hpp>

#include <gdal_priv.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "libio/core/errors.hpp"
#include "libio/gdal/gdal_dataset.hpp"
#include "libio/tiling/training_dataset.hpp"
#include "support.hpp"
#include "tile_fixture.hpp"

namespace fs = std::filesystem;
using namespace lssr;
using namespace lssr::io;
using lssr::test::TempDir;
namespace fx = lssr::test::tile;
using fx::options_for;
using fx::read_index;

namespace {

using Read = lssr::test::RasterFile;
Read read_all(const std::string& path) { return lssr::test::read_raster_file(path); }

// Pixel centre of (row, col) in the grid's own CRS.
void centre(const Grid& g, int row, int col, double& x, double& y) {
    x = g.origin_x() + (col + 0.5) * g.pixel_width();
    y = g.origin_y() - (row + 0.5) * g.pixel_height();
}

std::string sample_file(const std::string& out, const nlohmann::json& line, const char* kind) {
    return (fs::path(out) / line.at("files").at(kind).get<std::string>()).string();
}

}  // namespace

TEST_CASE("LR and HR patches cover identical ground and their values agree", "[tiling]") {
    TempDir dir;
    const auto f = fx::make_pair(dir);
    const std::string out = dir.file("dataset");
    const DatasetSummary s = build_dataset(options_for(f, out));
    CHECK(s.candidates == 6);  // 2 patch columns over the HR overlap x 3 rows
    CHECK(s.kept == 6);
    CHECK(s.train + s.test == 6);
    const auto index = read_index(out);
    REQUIRE(index.size() == 6);
    for (const auto& line : index) {
        INFO(line.dump());
        const std::string id = line.at("id");
        CHECK(id.find('_') == std::string::npos);
        const std::string split = line.at("split");
        CHECK(line.at("files").at("L8") == split + "/" + id + "_20210628_L8.tif");
        CHECK(line.at("month") == 6);
        CHECK(line.at("pair") == "p1");
        CHECK(line.at("center_lon").get<double>() == Approx(-93.0).margin(0.05));
        CHECK(line.at("center_lat").get<double>() == Approx(37.94).margin(0.05));
        CHECK(line.at("nodata_fraction") == 0.0);
        CHECK(line.at("lr_grid").at("crs") == "EPSG:32615");

        const Read l8 = read_all(sample_file(out, line, "L8"));
        const Read s2 = read_all(sample_file(out, line, "S2"));
        // Identical ground: same origin and extent; HR pixel = LR pixel / 3.
        CHECK(l8.grid.width == fx::kPatch);
        CHECK(s2.grid.width == 3 * fx::kPatch);
        CHECK(s2.grid.origin_x() == l8.grid.origin_x());
        CHECK(s2.grid.origin_y() == l8.grid.origin_y());
        CHECK(s2.grid.pixel_width() == Approx(l8.grid.pixel_width() / 3));
        CHECK(s2.grid.bounds().max_x == Approx(l8.grid.bounds().max_x));
        CHECK(s2.grid.bounds().min_y == Approx(l8.grid.bounds().min_y));
        CHECK(std::vector<double>(l8.grid.transform.begin(), l8.grid.transform.end()) ==
              line.at("lr_grid").at("transform").get<std::vector<double>>());
        CHECK(l8.type == GDT_Float32);
        CHECK((l8.has_nodata && std::isnan(l8.nodata)));
        CHECK(l8.descriptions == std::vector<std::string>{"blue", "green", "red", "nir", "swir1", "swir2"});
        CHECK(s2.descriptions == l8.descriptions);
        for (const char* aux : {"DEM", "LC", "S1"}) {
            const Read a = read_all(sample_file(out, line, aux));
            CHECK(same_grid(a.grid, s2.grid));
        }

        // Reflectance from the file's own scale (LR) or the product default (HR),
        // at the right place: LR pixel = the plane at its centre = mean of its 3x3 HR pixels.
        for (int r = 0; r < l8.grid.height; ++r)
            for (int c = 0; c < l8.grid.width; ++c) {
                double x, y;
                centre(l8.grid, r, c, x, y);
                for (int b : {0, 2, 3, 4}) {
                    CHECK(l8.values.at(b, r, c) == Approx(fx::reflectance(b, x, y)).margin(1e-4));
                    double mean = 0;
                    for (int i = 0; i < 3; ++i)
                        for (int j = 0; j < 3; ++j) mean += s2.values.at(b, 3 * r + i, 3 * c + j) / 9.0;
                    CHECK(mean == Approx(l8.values.at(b, r, c)).margin(b < 4 ? 2e-4 : 1e-3));
                }
            }
    }
}

TEST_CASE("land cover is copied, S1 averaged in linear power, onto the HR grid", "[tiling]") {
    TempDir dir;
    const auto f = fx::make_pair(dir);
    const std::string out = dir.file("dataset");
    build_dataset(options_for(f, out));
    const auto line = read_index(out).front();
    const Read lc = read_all(sample_file(out, line, "LC"));
    const Read s1 = read_all(sample_file(out, line, "S1"));
    CHECK(lc.type == GDT_Byte);
    CHECK(s1.descriptions == std::vector<std::string>{"VV", "VH"});
    for (int r = 0; r < lc.grid.height; ++r)
        for (int c = 0; c < lc.grid.width; ++c) {
            double x, y;
            centre(lc.grid, r, c, x, y);
            CHECK(lc.values.at(0, r, c) == fx::landcover_class(x));
            // mean of 0.01 and 0.03 in linear power is 0.02 (-16.99 dB); the dB mean would be -17.61
            CHECK(s1.values.at(0, r, c) == Approx(10 * std::log10(0.02)).margin(0.01));
            CHECK(s1.values.at(1, r, c) == Approx(10 * std::log10(0.004)).margin(0.01));
        }
}

TEST_CASE("a DEM in another CRS is warped onto the HR grid, not refused", "[tiling][dem]") {
    const int epsg = GENERATE(4326, 32614);
    INFO("DEM in EPSG:" << epsg);
    TempDir dir;
    fx::Knobs k;
    k.dem_epsg = epsg;
    const auto f = fx::make_pair(dir, k);
    const std::string out = dir.file("dataset");
    REQUIRE(build_dataset(options_for(f, out)).kept == 6);
    for (const auto& line : read_index(out)) {
        const Read dem = read_all(sample_file(out, line, "DEM"));
        for (int r = 0; r < dem.grid.height; r += 5)
            for (int c = 0; c < dem.grid.width; c += 5) {
                double x, y;
                centre(dem.grid, r, c, x, y);
                // a 10 m misplacement would be off by 0.5 m
                CHECK(dem.values.at(0, r, c) == Approx(fx::elevation(x, y)).margin(0.2));
            }
    }
}

TEST_CASE("an S2 scene in another UTM zone than the LR scene is warped onto the LR lattice", "[tiling]") {
    TempDir dir;
    fx::Knobs k;
    k.hr_epsg = 32614;
    const auto f = fx::make_pair(dir, k);
    const std::string out = dir.file("dataset");
    const DatasetSummary s = build_dataset(options_for(f, out));
    CHECK(s.candidates == 9);  // the zone-14 scene covers the whole LR scene
    CHECK(s.kept == 9);
    for (const auto& line : read_index(out)) {
        const Read l8 = read_all(sample_file(out, line, "L8"));
        const Read s2 = read_all(sample_file(out, line, "S2"));
        CHECK(epsg_code(s2.grid.crs_wkt) == 32615);
        CHECK(s2.grid.origin_x() == l8.grid.origin_x());
        for (int r = 0; r < s2.grid.height; r += 7)
            for (int c = 0; c < s2.grid.width; c += 7) {
                double x, y;
                centre(s2.grid, r, c, x, y);
                CHECK(s2.values.at(0, r, c) == Approx(fx::reflectance(0, x, y)).margin(5e-4));
            }
    }
}

TEST_CASE("patches with nodata or cloud are screened out", "[tiling][screening]") {
    TempDir dir;
    fx::Knobs k;
    k.clouds = true;
    k.lr_hole = true;
    const auto f = fx::make_pair(dir, k);
    SECTION("defaults: no nodata, at most 5 % cloud") {
        const std::string out = dir.file("dataset");
        const DatasetSummary s = build_dataset(options_for(f, out));
        CHECK(s.candidates == 6);
        CHECK(s.skipped_cloud == 2);   // Fmask cloud (LR) and SCL cloud (HR)
        CHECK(s.skipped_nodata == 1);  // one missing LR pixel
        CHECK(s.kept == 3);
        std::set<std::string> ids;
        for (const auto& line : read_index(out)) ids.insert(line.at("id").get<std::string>());
        CHECK(ids == std::set<std::string>{"p1-r000-c000", "p1-r001-c001", "p1-r002-c000"});
    }
    SECTION("looser thresholds keep them and record the fractions") {
        auto o = options_for(f, dir.file("loose"));
        o.max_cloud = 1.0;
        o.max_nodata = 0.01;
        const DatasetSummary s = build_dataset(o);
        CHECK(s.kept == 6);
        for (const auto& line : read_index(o.out_dir)) {
            const std::string id = line.at("id");
            if (id == "p1-r001-c000" || id == "p1-r000-c001") CHECK(line.at("cloud_fraction") == 1.0);
            if (id == "p1-r002-c001")
                CHECK(line.at("nodata_fraction").get<double>() == Approx(9.0 / (48 * 48)));
        }
    }
}

TEST_CASE("the train/test split is deterministic and does not depend on order", "[tiling][split]") {
    int in_test = 0;
    for (int i = 0; i < 5000; ++i) {
        const std::string id = "pair" + std::to_string(i) + "-r000-c000";
        const bool t = in_test_split(42, id, 0.2);
        CHECK(t == in_test_split(42, id, 0.2));
        in_test += t;
    }
    CHECK(in_test > 900);  // about 20 %
    CHECK(in_test < 1100);
    int differ = 0;
    for (int i = 0; i < 200; ++i)
        differ += in_test_split(1, std::to_string(i), 0.5) != in_test_split(2, std::to_string(i), 0.5);
    CHECK(differ > 50);  // the seed matters

    TempDir dir;
    const auto a = fx::make_pair(dir, {}, "pa");
    const auto b = fx::make_pair(dir, {}, "pb");
    fx::write_manifest(dir.file("ab.jsonl"), {a.pair, b.pair});
    fx::write_manifest(dir.file("ba.jsonl"), {b.pair, a.pair});
    auto splits = [&](const std::string& manifest, const std::string& out) {
        auto o = options_for(a, out);
        o.manifest = manifest;
        o.seed = 7;
        o.test_fraction = 0.5;
        build_dataset(o);
        std::map<std::string, std::string> m;
        for (const auto& line : read_index(out)) m[line.at("id")] = line.at("split");
        return m;
    };
    const auto first = splits(dir.file("ab.jsonl"), dir.file("out1"));
    const auto second = splits(dir.file("ba.jsonl"), dir.file("out2"));
    CHECK(first.size() == 12);
    CHECK(first == second);
    for (const auto& [id, split] : first)
        CHECK(fs::exists(fs::path(dir.file("out1")) / split / (id + "_20210628_S2.tif")));
}

TEST_CASE("a scene with no usable patch fails and writes nothing", "[tiling][errors]") {
    TempDir dir;
    fx::Knobs k;
    k.all_nodata = true;
    const auto f = fx::make_pair(dir, k);
    const std::string out = dir.file("dataset");
    REQUIRE_THROWS_AS(build_dataset(options_for(f, out)), InputError);
    try {
        build_dataset(options_for(f, out));
    } catch (const InputError& e) {
        CHECK(std::string(e.what()).find("no usable patches") != std::string::npos);
    }
    CHECK_FALSE(fs::exists(out));
    // no staging folder left behind either
    for (const auto& e : fs::directory_iterator(dir.path()))
        CHECK(e.path().filename().string().rfind(".dataset", 0) != 0);
}

TEST_CASE("a Sentinel-1 file given with --s1 replaces the manifest's", "[tiling]") {
    TempDir dir;
    const auto f = fx::make_pair(dir);
    // a constant -10 dB override, as a 20 m raster
    test::write_test_raster(dir.file("s1.tif"), test::utm_grid(80, 80, 20.0, fx::kX0 - 100, fx::kY0 + 100), 2,
                            GDT_Float32, [](int b, int, int) { return b == 0 ? -10.0 : -20.0; });
    auto o = options_for(f, dir.file("dataset"));
    o.s1 = dir.file("s1.tif");
    build_dataset(o);
    const Read s1 = read_all(sample_file(o.out_dir, read_index(o.out_dir).front(), "S1"));
    CHECK(s1.values.at(0, 10, 10) == Approx(-10.0).margin(1e-3));
    CHECK(s1.values.at(1, 10, 10) == Approx(-20.0).margin(1e-3));
}
