// Label rasters in another CRS and resolution land on the right pixels of the
// image grid: CDL-like labels in EPSG:5070 at 30 m onto a UTM 10 m grid.
#include <catch2/catch.hpp>

#include <cmath>

#include "crop_fixtures.hpp"
#include "libcrop/labels.hpp"
#include "libio/core/errors.hpp"
#include "support.hpp"

using namespace lssr;

TEST_CASE("EPSG:5070 30 m labels warped onto a UTM 10 m grid put each field where it is", "[crop][labels]") {
    test::TempDir dir;
    const io::Grid utm = test::utm_grid(90, 90, 10.0);
    const io::Grid albers = crop::test::albers_grid_covering(utm, 30.0);
    REQUIRE(io::epsg_code(albers.crs_wkt) == 5070);
    crop::test::write_albers_labels(dir.file("cdl.tif"), albers);

    crop::LabelRaster labels(dir.file("cdl.tif"), utm);
    CHECK(labels.method() == io::Resampling::Nearest);  // the labels are coarser
    const auto block = labels.read(io::Window{0, 0, 90, 90});

    // A known field: column 1, row 1 of the 150 m field pattern spans
    // x 500150..500300, y 4199850..4199700 (UTM 15N) and is corn (1).
    REQUIRE(crop::test::field_class(500225, 4199775) == crop::test::kCorn);
    int inside = 0;
    for (int r = 0; r < 90; ++r)
        for (int c = 0; c < 90; ++c) {
            const double x = 500000 + (c + 0.5) * 10, y = 4200000 - (r + 0.5) * 10;
            if (x > 500180 && x < 500270 && y < 4199820 && y > 4199730) {
                ++inside;
                CHECK(block.at(0, r, c) == crop::test::kCorn);
            }
        }
    CHECK(inside == 81);

    // Everywhere farther than one label pixel and a half from a field edge, the
    // warped code is the field's; near edges most pixels still agree.
    int interior = 0, interior_right = 0, all_right = 0;
    for (int r = 0; r < 90; ++r)
        for (int c = 0; c < 90; ++c) {
            const double x = 500000 + (c + 0.5) * 10, y = 4200000 - (r + 0.5) * 10;
            const bool right = block.at(0, r, c) == crop::test::field_class(x, y);
            all_right += right;
            if (crop::test::distance_to_field_edge(x, y) > 45) {
                ++interior;
                interior_right += right;
            }
        }
    CHECK(interior == 36 * 25);  // 36 fields, 5x5 pixels each farther than 45 m from an edge
    CHECK(interior_right == interior);
    CHECK(all_right > 0.85 * 90 * 90);
}

TEST_CASE("labels finer than the grid are warped with mode", "[crop][labels]") {
    test::TempDir dir;
    const io::Grid fine = test::utm_grid(90, 90, 10.0);
    crop::test::write_labels(dir.file("fine.tif"), fine);
    const io::Grid coarse = test::utm_grid(30, 30, 30.0);
    crop::LabelRaster labels(dir.file("fine.tif"), coarse);
    CHECK(labels.method() == io::Resampling::Mode);
    const auto block = labels.read(io::Window{0, 0, 30, 30});
    // Fields are 5 coarse pixels wide and aligned, so every coarse pixel is pure.
    for (int r = 0; r < 30; ++r)
        for (int c = 0; c < 30; ++c)
            CHECK(block.at(0, r, c) == crop::test::field_class(500000 + (c + 0.5) * 30, 4200000 - (r + 0.5) * 30));
}

TEST_CASE("labels that miss the images entirely are refused", "[crop][labels]") {
    test::TempDir dir;
    crop::test::write_labels(dir.file("far.tif"), test::utm_grid(10, 10, 30.0, 700000.0));
    CHECK_THROWS_AS(crop::LabelRaster(dir.file("far.tif"), test::utm_grid(10, 10, 10.0)), lssr::InputError);
}
