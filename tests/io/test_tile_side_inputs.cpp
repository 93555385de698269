// lssr-tile dataset mode and its side inputs (DEM, land cover, Sentinel-1):
// layers in geographic degrees are sampled, layers that miss the scene or hold
// only nodata are refused up front naming the file, side-layer gaps count as
// nodata in screening and in the index, and Sentinel-1 is optional.
#include <catch2/catch.hpp>

#include <gdal_priv.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "libio/core/errors.hpp"
#include "libio/tiling/training_dataset.hpp"
#include "support.hpp"
#include "tile_fixture.hpp"

namespace fs = std::filesystem;
using namespace lssr;
using namespace lssr::io;
using lssr::test::run_tool;
using lssr::test::TempDir;
namespace fx = lssr::test::tile;
using fx::options_for;
using fx::read_index;

namespace {

std::string sample_file(const std::string& out, const nlohmann::json& line, const char* kind) {
    return (fs::path(out) / line.at("files").at(kind).get<std::string>()).string();
}

double nan_fraction(const RasterBlock& block) {
    size_t nan = 0;
    for (float v : block.data) nan += std::isnan(v);
    return static_cast<double>(nan) / block.data.size();
}

// The message of the InputError build_dataset throws ("" when it succeeds).
std::string input_error(const DatasetOptions& o) {
    try {
        build_dataset(o);
    } catch (const InputError& e) {
        return e.what();
    }
    return "";
}

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// A constant two-band dB raster (VV -10, VH -20) on `grid`, replacing `path`.
void write_s1(const std::string& path, const Grid& grid, double vv = -10.0, double vh = -20.0) {
    fs::remove(path);
    fx::write_field(path, grid, 2, GDT_Float32, [&](int b, int, int, double, double) { return b == 0 ? vv : vh; },
                    -9999.0, {}, {"VV", "VH"});
}

}  // namespace

TEST_CASE("Sentinel-1 in EPSG:4326 at 0.00025 degrees is sampled, not left all NaN", "[tile][side]") {
    TempDir dir;
    const auto f = fx::make_pair(dir);
    auto o = options_for(f, dir.file("dataset"));
    SECTION("given with --s1") {
        o.s1 = dir.file("s1-4326.tif");
        write_s1(o.s1, fx::covering_grid(4326, 0.00025, 0.001));
    }
    SECTION("as the manifest's s1 scene") {
        write_s1(f.s1, fx::covering_grid(4326, 0.00025, 0.001));
    }
    const auto summary = build_dataset(o);
    REQUIRE(summary.kept > 0);
    for (const auto& line : read_index(o.out_dir)) {
        const auto s1 = lssr::test::read_raster_file(sample_file(o.out_dir, line, "S1"));
        INFO(line.at("id"));
        REQUIRE(nan_fraction(s1.values) == 0.0);
        CHECK(s1.values.at(0, 7, 9) == Approx(-10.0).margin(1e-3));
        CHECK(s1.values.at(1, 20, 30) == Approx(-20.0).margin(1e-3));
        CHECK(line.at("nodata_fraction").get<double>() == 0.0);
    }
}

TEST_CASE("a side layer that misses the scene is refused up front, naming the file", "[tile][side][errors]") {
    TempDir dir;
    const auto f = fx::make_pair(dir);
    auto o = options_for(f, dir.file("dataset"));
    std::string layer;
    SECTION("a DEM elsewhere in the same UTM zone") {
        layer = o.dem = dir.file("far-dem.tif");
        fx::write_field(layer, test::utm_grid(50, 50, 10.0, 700000.0, 4500000.0), 1, GDT_Float32,
                        [](int, int, int, double, double) { return 100.0; });
    }
    SECTION("a DEM in geographic degrees on another continent") {
        layer = o.dem = dir.file("far-dem-4326.tif");
        Grid g;
        g.crs_wkt = crs_from_user_input("EPSG:4326");
        g.transform = {10.0, 0.001, 0, 50.0, 0, -0.001};
        g.width = g.height = 100;
        test::write_test_raster(layer, g, 1, GDT_Float32, [](int, int, int) { return 100.0; });
    }
    SECTION("land cover elsewhere") {
        layer = o.landcover = dir.file("far-lc.tif");
        test::write_test_raster(layer, test::utm_grid(50, 50, 10.0, 400000.0, 4200000.0), 1, GDT_Byte,
                                [](int, int, int) { return 3.0; });
    }
    SECTION("a --s1 raster elsewhere") {
        layer = o.s1 = dir.file("far-s1.tif");
        write_s1(layer, test::utm_grid(50, 50, 10.0, 600000.0, 4100000.0));
    }
    const std::string message = input_error(o);
    INFO(message);
    CHECK(has(message, layer + ":"));
    CHECK(has(message, "does not overlap the area of pair p1"));
    CHECK_FALSE(fs::exists(o.out_dir));
}

TEST_CASE("a side layer holding only nodata is refused up front, naming the file", "[tile][side][errors]") {
    TempDir dir;
    const auto f = fx::make_pair(dir);
    auto o = options_for(f, dir.file("dataset"));
    std::string layer;
    SECTION("an all-NaN DEM in EPSG:4326") {
        layer = f.dem;
        fs::remove(layer);
        fx::write_field(layer, fx::covering_grid(4326, 1e-4, 5e-4), 1, GDT_Float32,
                        [](int, int, int, double, double) { return NAN; });
    }
    SECTION("a DEM of nodata values") {
        layer = f.dem;
        fs::remove(layer);
        fx::write_field(layer, fx::covering_grid(32615, 10.0, 30.0), 1, GDT_Float32,
                        [](int, int, int, double, double) { return -32768.0; }, -32768.0);
    }
    SECTION("an all-NaN Sentinel-1 scene of the manifest") {
        layer = f.s1;
        write_s1(layer, test::utm_grid(6 * fx::kLrSize, 6 * fx::kLrSize, 5.0, fx::kX0, fx::kY0), NAN, NAN);
    }
    const std::string message = input_error(o);
    INFO(message);
    CHECK(has(message, layer + ":"));
    CHECK(has(message, "holds only nodata over the area of pair p1"));
    CHECK_FALSE(fs::exists(o.out_dir));
}

TEST_CASE("DEM gaps count as nodata: such patches are screened, or indexed with their fraction",
          "[tile][side][screening]") {
    TempDir dir;
    const auto f = fx::make_pair(dir);
    // A DEM over the western 720 m of the 1440 m scene only.
    fs::remove(f.dem);
    fx::write_field(f.dem, test::utm_grid(72, 150, 10.0, fx::kX0, fx::kY0), 1, GDT_Float32,
                    [](int, int, int, double x, double y) { return fx::elevation(x, y); });
    auto o = options_for(f, dir.file("dataset"));
    SECTION("--max-nodata 0 (the default) keeps only patches with elevation everywhere") {
        const auto s = build_dataset(o);
        CHECK(s.kept > 0);
        CHECK(s.skipped_nodata > 0);
        for (const auto& line : read_index(o.out_dir)) {
            const auto dem = lssr::test::read_raster_file(sample_file(o.out_dir, line, "DEM"));
            CHECK(nan_fraction(dem.values) == 0.0);
        }
    }
    SECTION("--max-nodata 1 indexes every patch with its DEM gap in nodata_fraction") {
        o.max_nodata = 1.0;
        const auto s = build_dataset(o);
        CHECK(s.skipped_nodata == 0);
        int with_gaps = 0;
        for (const auto& line : read_index(o.out_dir)) {
            const auto dem = lssr::test::read_raster_file(sample_file(o.out_dir, line, "DEM"));
            const double gap = nan_fraction(dem.values);
            with_gaps += gap > 0;
            INFO(line.at("id"));
            // The fixture's scenes are clean: the DEM gap is all the nodata there is.
            CHECK(line.at("nodata_fraction").get<double>() == Approx(gap).margin(1e-9));
        }
        CHECK(with_gaps > 0);
    }
}

TEST_CASE("a manifest without Sentinel-1 tiles cleanly: patches without _S1.tif", "[tile][side][s1]") {
    TempDir dir;
    auto f = fx::make_pair(dir);
    f.pair.s1.reset();
    fx::write_manifest(f.manifest, {f.pair});
    auto o = options_for(f, dir.file("dataset"));
    const auto s = build_dataset(o);
    CHECK(s.kept > 0);
    CHECK(s.pairs_without_s1 == 1);
    for (const auto& line : read_index(o.out_dir)) {
        CHECK_FALSE(line.at("files").contains("S1"));
        CHECK(fs::exists(sample_file(o.out_dir, line, "DEM")));
    }
    for (const auto& e : fs::recursive_directory_iterator(o.out_dir))
        CHECK(e.path().filename().string().find("_S1.tif") == std::string::npos);

    const auto r = run_tool("lssr-tile", {f.manifest, "--dem", f.dem, "--landcover", f.landcover, "-O",
                                          dir.file("ds-cli"), "--patch", "16"});
    INFO(r.err);
    CHECK(r.exit_code == 0);
    CHECK(has(r.err, "1 pair(s) without Sentinel-1"));
}

TEST_CASE("lssr-tile: --max-nodata, --max-cloud and --test-fraction must be numbers from 0 to 1, not NaN",
          "[tile][side][errors]") {
    TempDir dir;
    const auto f = fx::make_pair(dir);
    auto o = options_for(f, dir.file("dataset"));
    o.max_nodata = NAN;
    CHECK_THROWS_AS(build_dataset(o), OptionError);
    for (const char* option : {"--max-nodata", "--max-cloud", "--test-fraction"}) {
        const auto r = run_tool("lssr-tile", {f.manifest, "--dem", f.dem, "--landcover", f.landcover, "-O",
                                              dir.file("ds"), option, "nan", "-q"});
        INFO(option << ": " << r.err);
        CHECK(r.exit_code == 2);
        CHECK(has(r.err, option));
        CHECK_FALSE(fs::exists(dir.file("ds")));
    }
}
