// Grids, footprints, alignment and warping onto target grids.
#include <catch2/catch.hpp>

#include <cmath>

#include "libio/core/errors.hpp"
#include "libio/gdal/gdal_dataset.hpp"
#include "libio/gdal/grid.hpp"
#include "libio/gdal/warp.hpp"
#include "support.hpp"

using namespace lssr;
using namespace lssr::io;
using lssr::test::TempDir;

TEST_CASE("refined grid keeps origin and CRS, divides the pixel and multiplies the size", "[grid]") {
    const Grid g = test::utm_grid(64, 50, 30.0, 500010.0, 4200020.0);
    const Grid f = g.refined(3);
    CHECK(f.width == 192);
    CHECK(f.height == 150);
    CHECK(f.origin_x() == g.origin_x());
    CHECK(f.origin_y() == g.origin_y());
    CHECK(f.pixel_width() == Approx(10.0));
    CHECK(f.bounds().max_x == Approx(g.bounds().max_x));
    CHECK(f.bounds().min_y == Approx(g.bounds().min_y));
    CHECK(same_crs(f.crs_wkt, g.crs_wkt));
}

TEST_CASE("windows and pixel coordinates agree", "[grid]") {
    const Grid g = test::utm_grid(100, 100, 10.0, 600000.0, 4100000.0);
    const Grid w = g.window(Window{10, 20, 30, 40});
    CHECK(w.origin_x() == Approx(600100.0));
    CHECK(w.origin_y() == Approx(4099800.0));
    double col = 0, row = 0;
    g.map_to_pixel(600105.0, 4099795.0, col, row);
    CHECK(col == Approx(10.5));
    CHECK(row == Approx(20.5));
    CHECK(aligned(g, w));
    const Grid shifted = test::utm_grid(100, 100, 10.0, 600005.0, 4100000.0);
    CHECK_FALSE(aligned(g, shifted));  // half a pixel off the lattice
}

TEST_CASE("CRSs are compared by parameters, not by authority code", "[grid]") {
    const std::string albers_epsg = crs_from_user_input("EPSG:5070");
    const std::string albers_proj = crs_from_user_input(
        "+proj=aea +lat_0=23 +lon_0=-96 +lat_1=29.5 +lat_2=45.5 +x_0=0 +y_0=0 +datum=NAD83 +units=m +no_defs");
    CHECK(same_crs(albers_epsg, albers_proj));
    CHECK_FALSE(same_crs(albers_epsg, crs_from_user_input("EPSG:32615")));
    CHECK(epsg_code(albers_epsg) == 5070);
    CHECK_THROWS_AS(crs_from_user_input("EPSG:999999"), OptionError);
}

TEST_CASE("footprints in lon/lat: a UTM 15N grid lands in Iowa", "[grid]") {
    // 448000 E, 4650000 N in zone 15N is near Ames, Iowa (about 93.6 W, 42.0 N).
    const Grid g = test::utm_grid(100, 100, 30.0, 448000.0, 4650000.0);
    const Bounds b = footprint_lonlat(g);
    CHECK(b.min_x == Approx(-93.63).margin(0.05));
    CHECK(b.max_y == Approx(42.0).margin(0.05));
    CHECK(b.width() > 0.03);
    CHECK(b.width() < 0.05);
}

TEST_CASE("grid_covering snaps to the resolution like gdalwarp -tap", "[grid]") {
    const Grid g = grid_covering(crs_from_user_input("EPSG:32615"), Bounds{1003, 2004, 1298, 2291}, 30.0);
    CHECK(g.origin_x() == Approx(990.0));
    CHECK(g.origin_y() == Approx(2310.0));
    CHECK(g.width == 11);   // 990 .. 1320
    CHECK(g.height == 11);  // 1980 .. 2310
}

TEST_CASE("warping averages onto a coarser aligned grid and keeps nodata as NaN", "[warp]") {
    TempDir dir;
    const Grid fine = test::utm_grid(6, 6, 10.0);
    // value = column index; nodata in the top-left pixel
    test::write_test_raster(dir.file("fine.tif"), fine, 1, GDT_Float32,
                            [](int, int r, int c) { return (r == 0 && c == 0) ? -1.0 : c; }, -1.0);
    auto ds = open_raster(dir.file("fine.tif"));
    const Grid coarse = test::utm_grid(2, 2, 30.0);
    WarpRequest req;
    req.method = Resampling::Average;
    const RasterBlock out = warp_to_grid(*ds, dir.file("fine.tif"), coarse, req);
    CHECK(out.at(0, 0, 0) == Approx((1 + 2 + 0 + 1 + 2 + 0 + 1 + 2) / 8.0));  // nodata pixel left out
    CHECK(out.at(0, 0, 1) == Approx(4.0));
    CHECK(out.at(0, 1, 1) == Approx(4.0));
}

TEST_CASE("warping outside the source gives NaN, and across CRSs lands where it should", "[warp]") {
    TempDir dir;
    // A lon/lat raster whose value is the column index; read it from a UTM grid.
    io::Grid geo;
    geo.crs_wkt = crs_from_user_input("EPSG:4326");
    geo.transform = {-94.0, 0.01, 0, 43.0, 0, -0.01};
    geo.width = 200;
    geo.height = 200;
    test::write_test_raster(dir.file("geo.tif"), geo, 1, GDT_Float32, [](int, int, int c) { return c; });
    auto ds = open_raster(dir.file("geo.tif"));
    // 448000 E 4650000 N (zone 15N) is about 93.63 W 41.99 N -> column ~37
    const Grid utm = test::utm_grid(4, 4, 30.0, 448000.0, 4650000.0);
    WarpRequest req;
    req.method = Resampling::Nearest;
    const RasterBlock out = warp_to_grid(*ds, dir.file("geo.tif"), utm, req);
    CHECK(out.at(0, 0, 0) == Approx(37.0).margin(1.0));
    const Grid far = test::utm_grid(4, 4, 30.0, 200000.0, 3000000.0);  // far south of the data
    const RasterBlock none = warp_to_grid(*ds, dir.file("geo.tif"), far, req);
    REQUIRE(none.data.size() == 16);
    for (float v : none.data) CHECK(std::isnan(v));
}

TEST_CASE("warp_scaled applies scale and offset after resampling", "[warp]") {
    TempDir dir;
    const Grid g = test::utm_grid(3, 3, 30.0);
    test::write_test_raster(dir.file("dn.tif"), g, 1, GDT_UInt16, [](int, int, int) { return 10000; }, 0.0);
    auto ds = open_raster(dir.file("dn.tif"));
    const RasterBlock out = warp_scaled(*ds, dir.file("dn.tif"), g, WarpRequest{},
                                        {BandScaling{2.75e-5, -0.2, 0.0}});
    CHECK(out.at(0, 1, 1) == Approx(0.075).margin(1e-6));
}

TEST_CASE("resampling names follow gdalwarp", "[warp]") {
    CHECK(parse_resampling("near") == Resampling::Nearest);
    CHECK(parse_resampling("nearest") == Resampling::Nearest);
    CHECK(parse_resampling("Cubic") == Resampling::Cubic);
    CHECK(parse_resampling("mode") == Resampling::Mode);
    CHECK_THROWS_AS(parse_resampling("bogus"), OptionError);
}
