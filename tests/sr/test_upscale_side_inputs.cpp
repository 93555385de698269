// lssr-upscale checks its side rasters (--dem, --landcover, --s1) against the
// input scene before upscaling: one that misses the scene or holds only
// nodata fails naming the file; one in another CRS that covers it is used.
#include <catch2/catch.hpp>

#include <gdal_priv.h>

#include <cmath>
#include <filesystem>

#include "libio/gdal/grid.hpp"
#include "libio/gdal/raster.hpp"
#include "support.hpp"

namespace fs = std::filesystem;
using namespace lssr;
using namespace lssr::io;
using lssr::test::data_path;
using lssr::test::run_tool;
using lssr::test::TempDir;

namespace {

std::vector<std::string> upscale_args(const std::string& input, const std::string& output) {
    return {"--base-model", data_path("sd-tiny/base"), "--adapter", "none", "--prompt-embedding",
            data_path("sd-tiny/prompt_embedding.safetensors"), "-q", "--threads", "2", input, "-o", output};
}

// A 24x24 6-band reflectance scene in UTM 15N.
std::string write_scene(const TempDir& tmp) {
    const auto path = tmp.file("scene.tif");
    lssr::test::write_test_raster(path, lssr::test::utm_grid(24, 24, 30.0, 500010.0, 4600020.0), 6, GDT_Float32,
                                  [](int b, int r, int c) { return 0.05 + 0.03 * b + 0.002 * (r + c); });
    return path;
}

// A grid in EPSG:4326 over the scene (about 40.0 N, 93.0 W) at `step` degrees.
Grid lonlat_grid(double step) {
    const Grid scene = lssr::test::utm_grid(24, 24, 30.0, 500010.0, 4600020.0);
    const std::string wgs84 = crs_from_user_input("EPSG:4326");
    const Bounds b = transform_bounds(scene.bounds(), scene.crs_wkt, wgs84);
    return grid_covering(wgs84, Bounds{b.min_x - 0.01, b.min_y - 0.01, b.max_x + 0.01, b.max_y + 0.01}, step);
}

}  // namespace

TEST_CASE("lssr-upscale refuses a side raster that misses the scene or holds only nodata", "[sr][upscale][side]") {
    TempDir tmp;
    const auto scene = write_scene(tmp);
    std::string option, layer, problem;
    SECTION("a DEM elsewhere") {
        option = "--dem";
        layer = tmp.file("far-dem.tif");
        problem = "the DEM does not overlap the input scene";
        lssr::test::write_test_raster(layer, lssr::test::utm_grid(20, 20, 30.0, 700000.0, 4100000.0), 1, GDT_Float32,
                                      [](int, int, int) { return 250.0; });
    }
    SECTION("an all-NaN DEM in EPSG:4326") {
        option = "--dem";
        layer = tmp.file("nan-dem.tif");
        problem = "the DEM holds only nodata over the input scene";
        lssr::test::write_test_raster(layer, lonlat_grid(0.00025), 1, GDT_Float32, [](int, int, int) { return NAN; });
    }
    SECTION("an S1 raster whose VH band is all nodata") {
        option = "--s1";
        layer = tmp.file("s1.tif");
        problem = "Sentinel-1 holds only nodata over the input scene (band 2)";
        lssr::test::write_test_raster(layer, lonlat_grid(0.00025), 2, GDT_Float32,
                                      [](int b, int, int) { return b == 0 ? -10.0 : -9999.0; }, -9999.0);
    }
    auto args = upscale_args(scene, tmp.file("sr.tif"));
    args.insert(args.end(), {option, layer});
    const auto r = run_tool("lssr-upscale", args);
    INFO(r.err);
    CHECK(r.exit_code == 1);
    CHECK(r.err.find(layer + ": " + problem) != std::string::npos);
    CHECK_FALSE(fs::exists(tmp.file("sr.tif")));
}

TEST_CASE("lssr-upscale uses a DEM and S1 in EPSG:4326 that cover the scene", "[sr][upscale][side]") {
    TempDir tmp;
    const auto scene = write_scene(tmp);
    lssr::test::write_test_raster(tmp.file("dem.tif"), lonlat_grid(0.00025), 1, GDT_Float32,
                                  [](int, int r, int c) { return 200.0 + r - c; });
    lssr::test::write_test_raster(tmp.file("s1.tif"), lonlat_grid(0.00025), 2, GDT_Float32,
                                  [](int b, int, int) { return b == 0 ? -10.0 : -17.0; });
    auto args = upscale_args(scene, tmp.file("sr.tif"));
    args.insert(args.end(), {"--dem", tmp.file("dem.tif"), "--s1", tmp.file("s1.tif")});
    const auto r = run_tool("lssr-upscale", args);
    INFO(r.err);
    CHECK(r.exit_code == 0);
    CHECK(fs::exists(tmp.file("sr.tif")));
}
