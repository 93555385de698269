// Tiles run on several threads at once give the outputs they give one after
// the other (lssr-upscale --threads 1 and 2 write the same file), and side
// layers warped once per tile row give each tile what warping it alone gives.
#include <catch2/catch.hpp>
#include <torch/torch.h>

#include <gdal_priv.h>

#include "libio/gdal/grid.hpp"
#include "libsr/lssr/sr_tile_model.hpp"
#include "libsr/lssr/tile_cost.hpp"
#include "default_model.hpp"
#include "support.hpp"

using namespace lssr;

namespace {

// A row of `n` 16x16 tiles of a scene at 500010 E, 4600020 N (30 m), with the
// DEM, land cover and S1 of the row written into `dir`.
struct TileRow {
    test::TempDir dir;
    std::vector<sr::TileInput> tiles;
    sr::SideInputFiles side;
    io::Grid row_grid;  // the row's output grid
    io::Window row_window;

    explicit TileRow(int n) {
        const auto lr_row = test::utm_grid(16 * n, 16, 30.0, 500010.0, 4600020.0);
        row_grid = lr_row.refined(3);
        row_window = io::Window{0, 0, row_grid.width, row_grid.height};
        torch::manual_seed(11);
        for (int i = 0; i < n; ++i) {
            io::RasterBlock lr(6, 16, 16);
            const auto values = torch::rand({6, 16, 16}) * 0.4 + 0.05;
            std::copy_n(values.data_ptr<float>(), lr.data.size(), lr.data.data());
            const io::Window hr{48 * i, 0, 48, 48};
            tiles.push_back({lr, io::Window{16 * i, 0, 16, 16}, hr, row_grid.window(hr)});
        }
        side.dem = dir.file("dem.tif");
        side.landcover = dir.file("landcover.tif");
        side.s1 = dir.file("s1.tif");
        side.month = 7;
        // Coarser than the output and offset from it, so that the warp interpolates.
        const auto coarse = test::utm_grid(8 * n + 2, 10, 60.0, 499990.0, 4600040.0);
        test::write_test_raster(side.dem, coarse, 1, GDT_Float32, [](int, int r, int c) { return 120 + 7 * r + 3 * c; });
        test::write_test_raster(side.landcover, row_grid, 1, GDT_Byte, [](int, int r, int c) { return ((r / 9 + c / 13) % 3) * 2; });
        test::write_test_raster(side.s1, coarse, 2, GDT_Float32,
                                [](int b, int r, int c) { return -11.0 - 6 * b + 0.3 * r - 0.2 * c; });
    }
};

}  // namespace

TEST_CASE("tiles run on two threads at once equal the tiles run one by one", "[sr][upscale][threads]") {
    auto model = test::load_default_model();
    REQUIRE(model->knowledge);
    REQUIRE(model->sar_head);
    TileRow row(5);
    sr::SrTileModel serial(*model, row.side, 1);
    sr::SrTileModel parallel(*model, row.side, 2);
    CHECK(parallel.parallel_tiles() == 2);
    const auto a = serial.upscale(row.tiles);
    const auto b = parallel.upscale(row.tiles);
    REQUIRE(a.size() == row.tiles.size());
    REQUIRE(b.size() == row.tiles.size());
    for (size_t i = 0; i < a.size(); ++i) {
        INFO("tile " << i);
        CHECK(b[i].data == a[i].data);
    }
    CHECK(a[0].data != a[1].data);
}

TEST_CASE("side layers warped once for a tile row give each tile what warping it alone gives", "[sr][upscale][side]") {
    auto model = test::load_default_model();
    TileRow row(4);
    sr::SrTileModel per_tile(*model, row.side, 1);
    sr::SrTileModel per_row(*model, row.side, 1);
    per_row.begin_region(row.row_window, row.row_grid);
    const auto a = per_tile.upscale(row.tiles);
    const auto b = per_row.upscale(row.tiles);
    for (size_t i = 0; i < a.size(); ++i) {
        INFO("tile " << i);
        REQUIRE(b[i].data.size() == a[i].data.size());
        double worst = 0;
        for (size_t k = 0; k < a[i].data.size(); ++k) worst = std::max(worst, double(std::abs(a[i].data[k] - b[i].data[k])));
        CHECK(worst < 1e-5);
    }
    // The side layers matter to these tiles: without them the output differs.
    sr::SrTileModel bare(*model, {}, 1);
    const auto c = bare.upscale(row.tiles);
    CHECK(c[0].data != a[0].data);
}

TEST_CASE("the model's multiply-adds per tile grow with the side inputs it runs", "[sr][upscale][profile]") {
    auto model = test::load_default_model();
    const auto bare = sr::measure_tile_cost(*model, 16, {});
    const auto full = sr::measure_tile_cost(*model, 16, {true, true, true, 7});
    CHECK(bare.output_pixels == 48 * 48);
    CHECK(bare.macs > 0);
    CHECK(full.macs > bare.macs);
    // The count depends on shapes, not on values or on the run.
    CHECK(sr::measure_tile_cost(*model, 16, {}).macs == bare.macs);
}
