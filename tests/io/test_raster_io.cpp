// Raster reading/writing, staged outputs and the real Landsat 8 sample files.
#include <catch2/catch.hpp>

#include <gdal_priv.h>

#include <cmath>
#include <fstream>

#include "libio/core/errors.hpp"
#include "libio/gdal/gdal_dataset.hpp"
#include "libio/gdal/raster.hpp"
#include "libio/gdal/staged_output.hpp"
#include "support.hpp"

using namespace lssr;
using namespace lssr::io;
using lssr::test::TempDir;

namespace {
const std::string kLandsatB4 =
    test::data_path("landsat8-l1tp-sample/LC08_L1TP_195025_20130707_20170503_01_T1_B4.TIF");
}

TEST_CASE("real Landsat 8 band: grid, CRS and values are read as GDAL reports them", "[raster][landsat]") {
    auto ds = open_raster(kLandsatB4);
    const Grid g = grid_of(*ds, kLandsatB4);
    CHECK(g.width == 41);
    CHECK(g.height == 41);
    CHECK(g.pixel_width() == Approx(30.0));
    CHECK(g.pixel_height() == Approx(30.0));
    CHECK(epsg_code(g.crs_wkt) == 32632);  // UTM zone 32N
    const RasterBlock block = read_block(*ds, {1}, Window{0, 0, 41, 41}, kLandsatB4);
    double sum = 0;
    for (float v : block.data) sum += v;
    CHECK(sum > 0);  // real DNs, not an empty file
    // The pan band covers the same extent at half the pixel size; in this real
    // file its origin sits half a pan pixel (7.5 m) off the multispectral one.
    const std::string pan = test::data_path("landsat8-l1tp-sample/LC08_L1TP_195025_20130707_20170503_01_T1_B8.TIF");
    auto pds = open_raster(pan);
    const Grid pg = grid_of(*pds, pan);
    CHECK(pg.pixel_width() == Approx(15.0));
    CHECK(pg.bounds().width() == Approx(g.bounds().width()));
    CHECK(std::abs(pg.bounds().min_x - g.bounds().min_x) <= 7.5);
    CHECK(std::abs(pg.bounds().max_y - g.bounds().max_y) <= 7.5);
    CHECK_FALSE(aligned(g, pg));  // different pixel size: not one lattice
}

TEST_CASE("footprint of a real scene lies in central Europe (path 195 row 25)", "[grid][landsat]") {
    auto ds = open_raster(kLandsatB4);
    const Bounds lonlat = footprint_lonlat(grid_of(*ds, kLandsatB4));
    CHECK(lonlat.min_x > 5.0);
    CHECK(lonlat.max_x < 15.0);
    CHECK(lonlat.min_y > 45.0);
    CHECK(lonlat.max_y < 55.0);
}

TEST_CASE("a raster written by RasterWriter reads back with grid, nodata and band names", "[raster]") {
    TempDir dir;
    const Grid grid = test::utm_grid(20, 10, 30.0);
    RasterSpec spec;
    spec.grid = grid;
    spec.bands = 2;
    spec.type = GDT_Int16;
    spec.nodata = -9999;
    spec.descriptions = {"red", "nir"};
    spec.scalings = {BandScaling{1e-4, 0, -9999}, BandScaling{1e-4, 0, -9999}};
    RasterBlock block(2, 20, 10);
    for (size_t i = 0; i < block.data.size(); ++i) block.data[i] = static_cast<float>(i % 977) + 0.4f;
    block.at(1, 3, 4) = NAN;  // becomes nodata
    const std::string path = dir.file("out.tif");
    write_raster(path, spec, block, OutputOptions{});

    auto ds = open_raster(path);
    CHECK(same_grid(grid_of(*ds, path), grid));
    CHECK(std::string(ds->GetRasterBand(2)->GetDescription()) == "nir");
    CHECK(ds->GetRasterBand(1)->GetScale() == Approx(1e-4));
    const RasterBlock back = read_block(*ds, {1, 2}, Window{0, 0, 20, 10}, path);
    CHECK(back.at(0, 0, 0) == 0.0f);   // 0.4 rounds to 0
    CHECK(back.at(0, 0, 5) == 5.0f);
    CHECK(back.at(1, 3, 4) == -9999.0f);
    const RasterBlock scaled = read_scaled(*ds, {2}, {BandScaling{1e-4, 0, -9999}}, Window{0, 0, 20, 10}, path);
    CHECK(std::isnan(scaled.at(0, 3, 4)));
    CHECK(scaled.at(0, 0, 5) == Approx((200 + 5) * 1e-4).epsilon(1e-6));
    // No temporary files left next to the output.
    CHECK(test::list_files(dir.path()) == std::vector<std::string>{"out.tif"});
}

TEST_CASE("an existing output is kept unless overwrite is asked for", "[raster][output]") {
    TempDir dir;
    const std::string path = dir.file("exists.tif");
    std::ofstream(path) << "precious";
    RasterSpec spec;
    spec.grid = test::utm_grid(4, 4, 10.0);
    REQUIRE_THROWS_AS(RasterWriter(path, spec, OutputOptions{}), OutputError);
    std::ifstream in(path);
    std::string content;
    in >> content;
    CHECK(content == "precious");
    OutputOptions overwrite;
    overwrite.overwrite = true;
    write_raster(path, spec, RasterBlock(1, 4, 4, 7.0f), overwrite);
    auto ds = open_raster(path);
    CHECK(read_block(*ds, {1}, Window{0, 0, 4, 4}, path).at(0, 2, 2) == 7.0f);
}

TEST_CASE("an unfinished writer leaves no file behind", "[raster][output]") {
    TempDir dir;
    RasterSpec spec;
    spec.grid = test::utm_grid(8, 8, 10.0);
    {
        RasterWriter writer(dir.file("never.tif"), spec, OutputOptions{});
        writer.write(RasterBlock(1, 8, 8, 1.0f), Window{0, 0, 8, 8});
        // destroyed without finish(): as if an error was thrown mid-way
    }
    CHECK(test::list_files(dir.path()).empty());
}

TEST_CASE("COG output is written through a staging GTiff and is a valid COG", "[raster][output]") {
    TempDir dir;
    RasterSpec spec;
    spec.grid = test::utm_grid(300, 300, 10.0);
    spec.type = GDT_UInt16;
    OutputOptions cog;
    cog.format = "COG";
    cog.creation_options = {"COMPRESS=DEFLATE"};
    write_raster(dir.file("c.tif"), spec, RasterBlock(1, 300, 300, 42.0f), cog);
    CHECK(test::list_files(dir.path()) == std::vector<std::string>{"c.tif"});
    auto ds = open_raster(dir.file("c.tif"));
    const char* layout = ds->GetMetadataItem("LAYOUT", "IMAGE_STRUCTURE");
    REQUIRE(layout != nullptr);
    CHECK(std::string(layout) == "COG");
}

TEST_CASE("a compressed output written in column windows has each block once, as one written by rows",
          "[raster][output]") {
    TempDir dir;
    RasterSpec spec;
    spec.grid = test::utm_grid(600, 400, 10.0);
    spec.type = GDT_Int16;
    spec.nodata = -9999;
    RasterBlock block(1, 600, 400);
    for (int r = 0; r < 400; ++r)
        for (int c = 0; c < 600; ++c) block.at(0, r, c) = static_cast<float>((r * 7 + c * 13) % 1000);
    OutputOptions deflate;
    deflate.creation_options = {"COMPRESS=DEFLATE"};
    write_raster(dir.file("rows.tif"), spec, block, deflate);
    // Four column stripes, each written top to bottom in strips: the upscaler's
    // order, with a block cache too small to hold the file (as on a full tile).
    OutputOptions windowed = deflate;
    windowed.windowed = true;  // without it this file came out 2.6x larger (blocks appended again)
    const auto cache = GDALGetCacheMax64();
    GDALSetCacheMax64(128 << 10);
    {
        RasterWriter writer(dir.file("windows.tif"), spec, windowed);
        for (int c0 = 0; c0 < 600; c0 += 150)
            for (int r0 = 0; r0 < 400; r0 += 50) {
                const Window w{c0, r0, 150, 50};
                writer.write(crop(block, w), w);
            }
        writer.finish();
    }
    GDALSetCacheMax64(cache);
    CHECK(test::list_files(dir.path()) == std::vector<std::string>{"rows.tif", "windows.tif"});
    auto a = open_raster(dir.file("rows.tif")), b = open_raster(dir.file("windows.tif"));
    CHECK(read_block(*b, {1}, Window{0, 0, 600, 400}, "windows.tif").data ==
          read_block(*a, {1}, Window{0, 0, 600, 400}, "rows.tif").data);
    CHECK(std::string(b->GetMetadataItem("COMPRESSION", "IMAGE_STRUCTURE")) == "DEFLATE");
    // The same layout (GTiff's default strips) and no block stored twice.
    int bx = 0, by = 0;
    b->GetRasterBand(1)->GetBlockSize(&bx, &by);
    CHECK(bx == 600);
    const auto size = [](const std::string& path) { return std::ifstream(path, std::ios::ate | std::ios::binary).tellg(); };
    CHECK(size(dir.file("windows.tif")) <= size(dir.file("rows.tif")) + 1024);
}

TEST_CASE("bad inputs give one clear error naming the file", "[raster][errors]") {
    TempDir dir;
    SECTION("missing file") {
        try {
            open_raster(dir.file("nope.tif"));
            FAIL("no error");
        } catch (const InputError& e) {
            CHECK(std::string(e.what()) == dir.file("nope.tif") + ": no such file");
        }
    }
    SECTION("truncated TIFF") {
        std::ifstream src(kLandsatB4, std::ios::binary);
        std::string bytes((std::istreambuf_iterator<char>(src)), {});
        const std::string cut = dir.file("cut.tif");
        std::ofstream(cut, std::ios::binary) << bytes.substr(0, bytes.size() / 3);
        try {
            auto ds = open_raster(cut);
            read_block(*ds, {1}, Window{0, 0, 41, 41}, cut);
            FAIL("truncated file read without error");
        } catch (const InputError& e) {
            CHECK(std::string(e.what()).find(cut) == 0);
        }
    }
    SECTION("not a raster") {
        std::ofstream(dir.file("text.tif")) << "hello";
        CHECK_THROWS_WITH(open_raster(dir.file("text.tif")), Catch::Contains(dir.file("text.tif")));
    }
    SECTION("no CRS") {
        GDALDriver* gtiff = GetGDALDriverManager()->GetDriverByName("GTiff");
        DatasetPtr ds(gtiff->Create(dir.file("nocrs.tif").c_str(), 4, 4, 1, GDT_Byte, nullptr));
        ds.reset();
        auto opened = open_raster(dir.file("nocrs.tif"));
        CHECK_THROWS_AS(grid_of(*opened, dir.file("nocrs.tif")), InputError);
    }
    SECTION("band out of range") {
        auto ds = open_raster(kLandsatB4);
        CHECK_THROWS_WITH(read_block(*ds, {2}, Window{0, 0, 4, 4}, kLandsatB4),
                          Catch::Contains("only 1 band"));
    }
}

TEST_CASE("staged directory replaces the old one only when overwrite", "[output]") {
    TempDir dir;
    const std::string out = dir.file("tiles");
    {
        StagedDirectory staged(out, false);
        std::ofstream(staged.temp_path() + "/a.txt") << "a";
        staged.commit();
    }
    CHECK(test::list_files(out) == std::vector<std::string>{".lssr-output", "a.txt"});
    CHECK_THROWS_AS(StagedDirectory(out, false), OutputError);
    {
        StagedDirectory staged(out, true);
        std::ofstream(staged.temp_path() + "/b.txt") << "b";
        // not committed: the old folder must survive untouched
    }
    CHECK(test::list_files(out) == std::vector<std::string>{".lssr-output", "a.txt"});
    CHECK(test::list_files(dir.path()) == std::vector<std::string>{"tiles/.lssr-output", "tiles/a.txt"});
}
