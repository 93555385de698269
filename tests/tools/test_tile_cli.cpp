// lssr-tile as users run it: exit codes, one-line errors, all-or-nothing
// outputs, and scene tiling + stitching round trips (also of 3x upscaled tiles).
#include <catch2/catch.hpp>

#include <gdal_priv.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "libio/gdal/gdal_dataset.hpp"
#include "libio/gdal/raster.hpp"
#include "support.hpp"
#include "tile_fixture.hpp"

namespace fs = std::filesystem;
using namespace lssr;
using namespace lssr::io;
using lssr::test::run_tool;
using lssr::test::TempDir;
namespace fx = lssr::test::tile;

namespace {

std::vector<std::string> dataset_args(const fx::PairFiles& f, const std::string& out) {
    return {f.manifest, "--dem", f.dem, "--landcover", f.landcover, "-O", out, "--patch", "16", "-q"};
}

int count_lines(const std::string& text) {
    int n = 0;
    for (char c : text) n += c == '\n';
    return n;
}

// Everything about a raster a stitch must reproduce.
struct Raster {
    Grid grid;
    RasterBlock values;
    GDALDataType type = GDT_Unknown;
    std::vector<std::string> descriptions;
    std::vector<double> scales;
    int has_nodata = 0;
    double nodata = 0;
};

Raster load(const std::string& path) {
    auto ds = open_raster(path);
    Raster r;
    r.grid = grid_of(*ds, path);
    std::vector<int> bands;
    for (int b = 1; b <= ds->GetRasterCount(); ++b) {
        bands.push_back(b);
        r.descriptions.push_back(ds->GetRasterBand(b)->GetDescription());
        r.scales.push_back(ds->GetRasterBand(b)->GetScale());
    }
    r.type = ds->GetRasterBand(1)->GetRasterDataType();
    r.nodata = ds->GetRasterBand(1)->GetNoDataValue(&r.has_nodata);
    r.values = read_block(*ds, bands, Window{0, 0, r.grid.width, r.grid.height}, path);
    return r;
}

// A 2-band Int16 scene with scale metadata, nodata, band names and one nodata pixel.
std::string write_scene(const TempDir& dir, int width = 100, int height = 70) {
    const std::string path = dir.file("scene.tif");
    RasterSpec spec;
    spec.grid = test::utm_grid(width, height, 30.0, 500010.0, 4200000.0);
    spec.bands = 2;
    spec.type = GDT_Int16;
    spec.nodata = -9999;
    spec.descriptions = {"red", "nir"};
    spec.scalings = {BandScaling{1e-4, 0, -9999.0}, BandScaling{1e-4, 0, -9999.0}};
    RasterBlock block(2, width, height);
    for (int b = 0; b < 2; ++b)
        for (int r = 0; r < height; ++r)
            for (int c = 0; c < width; ++c)
                block.at(b, r, c) =
                    (r == 5 && c == 7) ? -9999.0f : static_cast<float>(1000 + 13 * c + 7 * r + 500 * b);
    write_raster(path, spec, block, OutputOptions{});
    return path;
}

std::vector<nlohmann::json> index_lines(const std::string& path) {
    std::ifstream in(path);
    std::vector<nlohmann::json> lines;
    std::string line;
    while (std::getline(in, line)) lines.push_back(nlohmann::json::parse(line));
    return lines;
}

}  // namespace

TEST_CASE("lssr-tile dataset mode reports kept and skipped patches on stderr", "[cli][tile]") {
    TempDir dir;
    fx::Knobs k;
    k.clouds = true;
    const auto f = fx::make_pair(dir, k);
    auto args = dataset_args(f, dir.file("ds"));
    args.pop_back();  // not quiet
    const auto r = run_tool("lssr-tile", args);
    INFO(r.err);
    CHECK(r.exit_code == 0);
    CHECK(r.err.find("kept 4") != std::string::npos);
    CHECK(r.err.find("2 for cloud") != std::string::npos);
    CHECK(fs::exists(dir.file("ds/index.jsonl")));
    CHECK(r.out.empty());
}

TEST_CASE("lssr-tile: a manifest naming a missing file fails, names it, writes nothing",
          "[cli][tile][errors]") {
    TempDir dir;
    auto f = fx::make_pair(dir);
    f.pair.hr.bands["swir1"].path = dir.file("T15TVG_20210626T170901_B11_20m.tif");
    fx::write_manifest(f.manifest, {f.pair});
    const auto r = run_tool("lssr-tile", dataset_args(f, dir.file("ds")));
    CHECK(r.exit_code == 1);
    CHECK(count_lines(r.err) == 1);
    CHECK(r.err.rfind("lssr-tile: error: ", 0) == 0);
    CHECK(r.err.find("T15TVG_20210626T170901_B11_20m.tif") != std::string::npos);
    CHECK_FALSE(fs::exists(dir.file("ds")));
}

TEST_CASE("lssr-tile: a pair id used twice is refused (sample files would collide)", "[cli][tile][errors]") {
    TempDir dir;
    const auto f = fx::make_pair(dir);
    fx::write_manifest(f.manifest, {f.pair, f.pair});
    const auto r = run_tool("lssr-tile", dataset_args(f, dir.file("ds")));
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("pair id p1 appears more than once") != std::string::npos);
    CHECK_FALSE(fs::exists(dir.file("ds")));
}

TEST_CASE("lssr-tile: bad rasters fail with one line naming the file", "[cli][tile][errors]") {
    TempDir dir;
    SECTION("a truncated TIFF") {
        const auto f = fx::make_pair(dir);
        fs::resize_file(f.lr_stack, fs::file_size(f.lr_stack) / 2);
        const auto r = run_tool("lssr-tile", dataset_args(f, dir.file("ds")));
        INFO(r.err);
        CHECK(r.exit_code == 1);
        CHECK(count_lines(r.err) == 1);
        CHECK(r.err.find(f.lr_stack) != std::string::npos);
        CHECK_FALSE(fs::exists(dir.file("ds")));
    }
    SECTION("a DEM without a coordinate reference system") {
        fx::Knobs k;
        k.dem_epsg = 0;
        const auto f = fx::make_pair(dir, k);
        const auto r = run_tool("lssr-tile", dataset_args(f, dir.file("ds")));
        INFO(r.err);
        CHECK(r.exit_code == 1);
        CHECK(count_lines(r.err) == 1);
        CHECK(r.err.find(f.dem + ": has no coordinate reference system") != std::string::npos);
        CHECK_FALSE(fs::exists(dir.file("ds")));
    }
    SECTION("an LR scene with fewer bands than the manifest needs") {
        fx::Knobs k;
        k.lr_bands = 5;
        const auto f = fx::make_pair(dir, k);
        const auto r = run_tool("lssr-tile", dataset_args(f, dir.file("ds")));
        INFO(r.err);
        CHECK(r.exit_code == 1);
        CHECK(count_lines(r.err) == 1);
        CHECK(r.err.find(f.lr_stack + ": band 6") != std::string::npos);
        CHECK_FALSE(fs::exists(dir.file("ds")));
    }
    SECTION("an all-nodata scene yields no samples") {
        fx::Knobs k;
        k.all_nodata = true;
        const auto f = fx::make_pair(dir, k);
        const auto r = run_tool("lssr-tile", dataset_args(f, dir.file("ds")));
        INFO(r.err);
        CHECK(r.exit_code == 1);
        CHECK(count_lines(r.err) == 1);
        CHECK(r.err.find("no usable patches") != std::string::npos);
        CHECK_FALSE(fs::exists(dir.file("ds")));
    }
}

TEST_CASE("lssr-tile refuses an existing output folder unless --overwrite", "[cli][tile][output]") {
    TempDir dir;
    const auto f = fx::make_pair(dir);
    fs::create_directory(dir.file("ds"));
    std::ofstream(dir.file("ds/keep.txt")) << "mine";
    const auto refused = run_tool("lssr-tile", dataset_args(f, dir.file("ds")));
    CHECK(refused.exit_code == 1);
    CHECK(refused.err.find("already exists") != std::string::npos);
    CHECK(test::list_files(dir.file("ds")) == std::vector<std::string>{"keep.txt"});
    auto args = dataset_args(f, dir.file("ds"));
    args.push_back("--overwrite");
    // A folder lssr-tile did not write is never replaced (issue 10); its own is.
    CHECK(run_tool("lssr-tile", args).exit_code == 1);
    CHECK(fs::exists(dir.file("ds/keep.txt")));
    fs::remove(dir.file("ds/keep.txt"));
    CHECK(run_tool("lssr-tile", args).exit_code == 0);
    CHECK(run_tool("lssr-tile", args).exit_code == 0);
    CHECK(fs::exists(dir.file("ds/index.jsonl")));
}

TEST_CASE("lssr-tile: the three modes exclude each other (usage errors, exit 2)", "[cli][tile]") {
    TempDir dir;
    const std::string scene = write_scene(dir);
    const std::vector<std::vector<std::string>> bad{
        {},                                                                // no mode
        {"pairs.jsonl", "--scene", scene, "-O", dir.file("x")},            // two modes
        {"--scene", scene, "--stitch", "i.jsonl", "-O", dir.file("x")},    // two modes
        {"--scene", scene},                                                // no -O
        {"--scene", scene, "-O", dir.file("x"), "--dem", scene},           // dataset option
        {"--stitch", "i.jsonl", "-o", dir.file("m.tif"), "--tile", "64"},  // scene option
        {"--stitch", "i.jsonl"},                                           // no -o
        {"pairs.jsonl", "-O", dir.file("x")},                              // no --dem/--landcover
        {"--scene", scene, "-O", dir.file("x"), "--tile", "32", "--overlap", "32"},
    };
    for (const auto& args : bad) {
        const auto r = run_tool("lssr-tile", args);
        INFO(r.err);
        CHECK(r.exit_code == 2);
        CHECK(r.err.rfind("lssr-tile: error: ", 0) == 0);
    }
    CHECK_FALSE(fs::exists(dir.file("x")));
}

TEST_CASE("scene tiles are georeferenced copies; stitching them reproduces the scene exactly",
          "[cli][tile][stitch]") {
    TempDir dir;
    const std::string scene = write_scene(dir);
    const auto cut = run_tool(
        "lssr-tile", {"--scene", scene, "-O", dir.file("tiles"), "--tile", "40", "--overlap", "8", "-q"});
    REQUIRE(cut.exit_code == 0);
    const Raster src = load(scene);
    const auto lines = index_lines(dir.file("tiles/index.jsonl"));
    REQUIRE(lines.size() == 6);  // 3 columns (0, 32, 60) x 2 rows (0, 30)
    long long core_pixels = 0;
    for (const auto& line : lines) {
        const Raster t = load(dir.file("tiles/" + line.at("file").get<std::string>()));
        const int col = line.at("col"), row = line.at("row");
        CHECK(t.grid.width == 40);
        CHECK(t.grid.height == 40);
        CHECK(t.grid.origin_x() == src.grid.origin_x() + 30.0 * col);
        CHECK(t.grid.origin_y() == src.grid.origin_y() - 30.0 * row);
        CHECK(same_crs(t.grid.crs_wkt, src.grid.crs_wkt));
        CHECK(t.type == GDT_Int16);
        CHECK(t.has_nodata);
        CHECK(t.nodata == -9999);
        CHECK(t.scales == src.scales);
        CHECK(t.descriptions == src.descriptions);
        CHECK(t.values.at(1, 3, 4) == src.values.at(1, row + 3, col + 4));
        core_pixels +=
            line.at("core").at("width").get<long long>() * line.at("core").at("height").get<long long>();
        CHECK(line.at("source").at("grid").at("width") == 100);
    }
    CHECK(core_pixels == 100 * 70);

    const auto stitch = run_tool(
        "lssr-tile", {"--stitch", dir.file("tiles/index.jsonl"), "-o", dir.file("mosaic.tif"), "-q"});
    REQUIRE(stitch.exit_code == 0);
    const Raster m = load(dir.file("mosaic.tif"));
    CHECK(same_grid(m.grid, src.grid));
    CHECK(m.type == src.type);
    CHECK(m.nodata == src.nodata);
    CHECK(m.scales == src.scales);
    CHECK(m.descriptions == src.descriptions);
    CHECK(m.values.data == src.values.data);  // exactly, nodata pixel included

    // An existing mosaic is not replaced without --overwrite.
    const auto again =
        run_tool("lssr-tile", {"--stitch", dir.file("tiles/index.jsonl"), "-o", dir.file("mosaic.tif")});
    CHECK(again.exit_code == 1);
    CHECK(again.err.find("already exists") != std::string::npos);
}

TEST_CASE("tiles processed at 3x resolution stitch by their own georeferencing, without seams",
          "[cli][tile][stitch][seam]") {
    TempDir dir;
    const std::string scene = write_scene(dir);
    REQUIRE(run_tool("lssr-tile",
                     {"--scene", scene, "-O", dir.file("tiles"), "--tile", "40", "--overlap", "8", "-q"})
                .exit_code == 0);
    // "Upscale" every tile: replicate each pixel 3x3 on the refined grid (Float32),
    // and shift each tile by its own constant, as a model's drift would.
    fs::create_directory(dir.file("up"));
    const auto lines = index_lines(dir.file("tiles/index.jsonl"));
    for (size_t i = 0; i < lines.size(); ++i) {
        const std::string name = lines[i].at("file");
        const Raster t = load(dir.file("tiles/" + name));
        RasterSpec spec;
        spec.grid = t.grid.refined(3);
        spec.bands = 2;
        spec.type = GDT_Float32;
        spec.nodata = -9999;
        const float bias = (i % 2) ? 20.0f : -20.0f;
        RasterBlock up(2, spec.grid.width, spec.grid.height);
        for (int b = 0; b < 2; ++b)
            for (int r = 0; r < up.height; ++r)
                for (int c = 0; c < up.width; ++c) {
                    const float v = t.values.at(b, r / 3, c / 3);
                    up.at(b, r, c) = v == -9999.0f ? v : v + bias;
                }
        write_raster(dir.file("up/" + name), spec, up, OutputOptions{});
    }
    const auto r = run_tool("lssr-tile", {"--stitch", dir.file("tiles/index.jsonl"), "--tiles",
                                          dir.file("up"), "-o", dir.file("up.tif"), "-q"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    const Raster src = load(scene);
    const Raster m = load(dir.file("up.tif"));
    CHECK(same_grid(m.grid, src.grid.refined(3)));  // same extent and origin, 10 m pixels
    CHECK(m.type == GDT_Float32);
    // The error against the replicated source changes slowly: the 40-unit step
    // between neighbouring tiles' biases is spread over the 24-pixel ramp.
    double max_step = 0, max_error = 0;
    for (int row = 0; row < m.grid.height; ++row)
        for (int col = 1; col < m.grid.width; ++col) {
            const float s1 = src.values.at(0, row / 3, col / 3),
                        s0 = src.values.at(0, row / 3, (col - 1) / 3);
            if (s1 == -9999.0f || s0 == -9999.0f) continue;
            const double e1 = m.values.at(0, row, col) - s1, e0 = m.values.at(0, row, col - 1) - s0;
            max_step = std::max(max_step, std::abs(e1 - e0));
            max_error = std::max(max_error, std::abs(e1));
        }
    CHECK(max_error <= 20.0 + 1e-3);
    CHECK(max_step < 40.0 * M_PI / (2 * 24) + 0.1);
    CHECK(m.values.at(0, 5 * 3 + 1, 7 * 3 + 1) == -9999.0f);  // nodata stays nodata
}
