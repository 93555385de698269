// The suite's one band-role reader (libio/gdal/reflectance, opened over a
// SceneRef by libio/products/scene_reader): the training dataset, the upscaler's
// LR input, the crop image stack and lssr-eval all read reflectance through it.
#include <catch2/catch.hpp>

#include <gdal_priv.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "libio/core/errors.hpp"
#include "libio/gdal/reflectance.hpp"
#include "libio/products/scene_reader.hpp"
#include "support.hpp"

using namespace lssr;
using namespace lssr::io;
using lssr::test::TempDir;
using Catch::Matchers::Equals;

namespace {

constexpr double kNodata = -9999;

// Stored value of band `b` (0-based, in its file) at (r, c).
double dn(int file, int b, int r, int c) { return 1000 + 500 * file + 100 * b + 10 * r + c; }

// Band files of one scene on an 8x6 grid of 30 m pixels:
//  multi.tif  Int16, 3 bands: swir1, red, blue; scale 1e-4, nodata -9999 (red (0,0) is nodata)
//  green.tif, nir.tif, swir2.tif  UInt16, no scale metadata (green's product default applies)
//  fmask.tif  Byte
struct SceneFiles {
    TempDir dir;
    Grid grid = test::utm_grid(8, 6, 30.0);
    SceneRef scene;

    SceneFiles() {
        RasterSpec multi;
        multi.grid = grid;
        multi.bands = 3;
        multi.type = GDT_Int16;
        multi.nodata = kNodata;
        multi.scalings.assign(3, BandScaling{1e-4, 0, kNodata});
        RasterBlock values(3, grid.width, grid.height);
        for (int b = 0; b < 3; ++b)
            for (int r = 0; r < grid.height; ++r)
                for (int c = 0; c < grid.width; ++c) values.at(b, r, c) = static_cast<float>(dn(0, b, r, c));
        values.at(1, 0, 0) = static_cast<float>(kNodata);
        write_raster(dir.file("multi.tif"), multi, values, OutputOptions{});
        int file = 1;
        for (const char* name : {"green", "nir", "swir2"})
            test::write_test_raster(dir.file(std::string(name) + ".tif"), grid, 1, GDT_UInt16,
                                    [f = file++](int b, int r, int c) { return dn(f, b, r, c); });
        test::write_test_raster(dir.file("fmask.tif"), grid, 1, GDT_Byte,
                                [](int, int r, int c) { return r * 8 + c; });

        scene.id = "SCENE";
        scene.bands["swir1"] = BandRef{dir.file("multi.tif"), 1, {}};
        scene.bands["red"] = BandRef{dir.file("multi.tif"), 2, {}};
        scene.bands["blue"] = BandRef{dir.file("multi.tif"), 3, {}};
        scene.bands["green"] = BandRef{dir.file("green.tif"), 1, BandScaling{2e-4, -0.1, std::nullopt}};
        scene.bands["nir"] = BandRef{dir.file("nir.tif"), 1, {}};
        scene.bands["swir2"] = BandRef{dir.file("swir2.tif"), 1, {}};
        scene.bands["fmask"] = BandRef{dir.file("fmask.tif"), 1, {}};
    }
};

// What role `role` (0 = blue .. 5 = swir2) of SceneFiles holds at (r, c).
float expected(int role, int r, int c) {
    switch (role) {
        case 0: return static_cast<float>(dn(0, 2, r, c) * 1e-4);
        case 1: return static_cast<float>(dn(1, 0, r, c) * 2e-4 - 0.1);
        case 2: return r == 0 && c == 0 ? NAN : static_cast<float>(dn(0, 1, r, c) * 1e-4);
        case 3: return static_cast<float>(dn(2, 0, r, c));
        case 4: return static_cast<float>(dn(0, 0, r, c) * 1e-4);
        default: return static_cast<float>(dn(3, 0, r, c));
    }
}

bool same_bits(const RasterBlock& a, const RasterBlock& b) {
    return a.bands == b.bands && a.width == b.width && a.height == b.height &&
           std::memcmp(a.data.data(), b.data.data(), a.data.size() * sizeof(float)) == 0;
}

}  // namespace

TEST_CASE("a scene's bands are read by role, wherever each lives, with each band's own scaling",
          "[scene_reader]") {
    SceneFiles files;
    DatasetCache cache;
    const ReflectanceReader reader = scene_reader(cache, files.scene, {"scl", "fmask", "qa_pixel"});
    CHECK(reader.qa_role() == "fmask");  // the first QA role the scene has
    CHECK(same_grid(reader.grid(), files.grid));

    const Window w{2, 1, 5, 4};
    const RasterBlock block = reader.read(w);
    REQUIRE(block.bands == 6);
    for (int role = 0; role < 6; ++role)
        for (int r = 0; r < w.height; ++r)
            for (int c = 0; c < w.width; ++c) {
                const float want = expected(role, w.row + r, w.col + c);
                INFO("role " << role << " at " << r << "," << c);
                CHECK(block.at(role, r, c) == want);
            }
    // Nodata stays in its band: spreading it across bands is each caller's policy.
    const RasterBlock corner = reader.read(Window{0, 0, 1, 1});
    CHECK(std::isnan(corner.at(2, 0, 0)));
    CHECK(corner.at(0, 0, 0) == expected(0, 0, 0));

    const RasterBlock qa = reader.read_qa(w);
    CHECK(qa.at(0, 3, 4) == static_cast<float>((w.row + 3) * 8 + w.col + 4));
}

TEST_CASE("sampling onto the scene's own lattice copies what a window read gives, NaN outside",
          "[scene_reader]") {
    SceneFiles files;
    DatasetCache cache;
    const ReflectanceReader reader = scene_reader(cache, files.scene);
    CHECK_FALSE(reader.qa());

    CHECK(same_bits(reader.sample(files.grid.window(Window{0, 0, 8, 6})), reader.read(Window{0, 0, 8, 6})));
    // A grid reaching two pixels past the right edge: the inside is copied, the outside missing.
    const Grid wider = files.grid.window(Window{3, 2, 7, 3});
    const RasterBlock sampled = reader.sample(wider);
    const RasterBlock inside = reader.read(Window{3, 2, 5, 3});
    for (int b = 0; b < 6; ++b)
        for (int r = 0; r < 3; ++r) {
            for (int c = 0; c < 5; ++c) CHECK(sampled.at(b, r, c) == inside.at(b, r, c));
            CHECK(std::isnan(sampled.at(b, r, 5)));
            CHECK(std::isnan(sampled.at(b, r, 6)));
        }
}

TEST_CASE("a scene lacking a role or a band fails naming what is missing", "[scene_reader]") {
    SceneFiles files;
    DatasetCache cache;
    SceneRef no_nir = files.scene;
    no_nir.bands.erase("nir");
    CHECK_THROWS_WITH(scene_reader(cache, no_nir), Equals("SCENE: has no nir band"));

    SceneRef bad_band = files.scene;
    bad_band.bands["red"].band = 4;
    CHECK_THROWS_WITH(scene_reader(cache, bad_band),
                      Equals(files.dir.file("multi.tif") +
                             ": band 4 is needed for SCENE red, but the file has only 3 band(s)"));
}

TEST_CASE("a stack is read by the suite's role rule, in one read, flagging values that are not finite",
          "[scene_reader]") {
    TempDir dir;
    const Grid grid = test::utm_grid(5, 4, 30.0);
    RasterSpec spec;
    spec.grid = grid;
    spec.bands = 7;
    spec.type = GDT_Float32;
    spec.descriptions = {"coastal", "blue", "green", "red", "nir", "swir1", "swir2"};
    RasterBlock values(7, grid.width, grid.height);
    for (int b = 0; b < 7; ++b)
        for (size_t i = 0; i < values.plane(); ++i) values.band(b)[i] = 0.01f * b + 0.001f * i;
    values.at(4, 1, 2) = INFINITY;  // nir
    const std::string path = dir.file("stack.tif");
    write_raster(path, spec, values, OutputOptions{});

    DatasetCache cache;
    const ReflectanceReader reader = ReflectanceReader::stack(cache, path);
    std::vector<int> numbers;
    for (const OpenBand& b : reader.bands()) numbers.push_back(b.band);
    CHECK(numbers == std::vector<int>{2, 3, 4, 5, 6, 7});  // coastal skipped by its description

    std::vector<bool> invalid;
    const RasterBlock block = reader.read(Window{0, 0, 5, 4}, &invalid);
    CHECK(block.at(0, 0, 0) == values.at(1, 0, 0));
    CHECK(block.at(5, 3, 4) == values.at(6, 3, 4));
    CHECK(std::isnan(block.at(3, 1, 2)));
    CHECK(block.at(2, 1, 2) == values.at(3, 1, 2));  // not spread by the reader
    CHECK(std::count(invalid.begin(), invalid.end(), true) == 1);
    CHECK(invalid[1 * 5 + 2]);

    // read_reflectance: the same values, an invalid pixel missing in every band and counted.
    Grid read_grid;
    size_t invalid_pixels = 0;
    const RasterBlock whole = read_reflectance(path, read_grid, &invalid_pixels);
    CHECK(same_grid(read_grid, grid));
    CHECK(invalid_pixels == 1);
    for (int b = 0; b < 6; ++b) CHECK(std::isnan(whole.at(b, 1, 2)));
    CHECK(whole.at(0, 3, 4) == block.at(0, 3, 4));
}
