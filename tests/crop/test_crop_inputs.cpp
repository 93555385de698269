// The pieces a crop model is built from: the CDL class table, dates from product
// names, band roles and features, per-class sampling and weights.
#include <catch2/catch.hpp>

#include <cmath>

#include <gdal_priv.h>

#include "crop_fixtures.hpp"
#include "libcrop/cdl.hpp"
#include "libcrop/features.hpp"
#include "libcrop/image_stack.hpp"
#include "libcrop/sampling.hpp"
#include "libio/core/errors.hpp"
#include "support.hpp"

using namespace lssr;


TEST_CASE("the default class table maps corn and soybeans and folds every other code into background",
          "[crop][classes]") {
    const crop::ClassTable table({1, 5}, 0);
    REQUIRE(table.size() == 3);
    CHECK(table.id_of(0) == 0);
    CHECK(table.id_of(1) == 1);
    CHECK(table.id_of(5) == 2);
    CHECK(table.id_of(176) == 0);  // grass -> background
    CHECK(table.id_of(24) == 0);
    CHECK(table.cdl_of(2) == 5);
    CHECK(table.entries()[1].name == "Corn");
    CHECK(table.id_of(255) == -1);
}

TEST_CASE("without a background, unlisted codes are left out", "[crop][classes]") {
    const crop::ClassTable table({5, 1, 24}, std::nullopt);
    REQUIRE(table.size() == 3);
    CHECK(table.cdl_of(0) == 1);
    CHECK(table.cdl_of(1) == 5);
    CHECK(table.cdl_of(2) == 24);
    CHECK(table.id_of(176) == -1);
    CHECK_THROWS_AS(crop::ClassTable({1}, std::nullopt), OptionError);
    CHECK_THROWS_AS(crop::ClassTable({1, 5}, 5), OptionError);
}

TEST_CASE("CDL code lists are validated", "[crop][classes]") {
    CHECK(crop::parse_cdl_codes("1,5,24") == std::vector<int>{1, 5, 24});
    CHECK_THROWS_AS(crop::parse_cdl_codes("1,corn"), OptionError);
    CHECK_THROWS_AS(crop::parse_cdl_codes("1,300"), OptionError);
    CHECK_THROWS_AS(crop::parse_cdl_codes("1,1"), OptionError);
    CHECK_THROWS_AS(crop::parse_cdl_codes(""), OptionError);
}

TEST_CASE("CDL names and colours come from the CDL legend", "[crop][classes]") {
    CHECK(crop::cdl_name(1) == "Corn");
    CHECK(crop::cdl_name(5) == "Soybeans");
    CHECK(crop::cdl_name(176) == "Grass/Pasture");
    CHECK(crop::cdl_name(253) == "CDL 253");
    const auto colours = crop::cdl_color_table();
    CHECK(colours.at(1) == std::array<unsigned char, 4>{255, 212, 0, 255});   // corn yellow
    CHECK(colours.at(5) == std::array<unsigned char, 4>{38, 115, 0, 255});    // soybean green
    CHECK(colours.at(253) == std::array<unsigned char, 4>{128, 128, 128, 255});
    CHECK(colours.at(crop::kClassMapNodata)[3] == 0);  // nodata transparent
}

TEST_CASE("image dates come from product names", "[crop][dates]") {
    CHECK(crop::date_from_name("/x/HLS.L30.T15TVG.2021179T165432.v2.0.tif") == "2021-06-28");
    CHECK(crop::date_from_name("LC08_L2SP_026031_20210627_20210707_02_T1_stack.tif") == "2021-06-27");
    CHECK(crop::date_from_name("T15TVG_20210626T170901_stack.vrt") == "2021-06-26");
    CHECK(crop::date_from_name("june.tif") == "");
    CHECK(crop::date_from_name("field_123456789.tif") == "");  // a long number is no date
}

TEST_CASE("an ACQUISITION_DATE metadata item wins over the file name", "[crop][dates]") {
    test::TempDir dir;
    crop::test::write_image(dir.file("stack_20210626.tif"), test::utm_grid(4, 4, 10.0), {});
    {
        auto ds = io::open_raster_for_update(dir.file("stack_20210626.tif"));
        ds->SetMetadataItem("ACQUISITION_DATE", "2021-08-15T16:54:32Z");
    }
    auto ds = io::open_raster(dir.file("stack_20210626.tif"));
    CHECK(crop::image_date(*ds, dir.file("stack_20210626.tif")) == "2021-08-15");
}

TEST_CASE("images are read by band role with scaling, nodata as NaN, and features add NDVI",
          "[crop][features]") {
    test::TempDir dir;
    const io::Grid grid = test::utm_grid(30, 20, 10.0);
    crop::test::ImageSpec spec;
    spec.noise = 0;
    spec.nodata_window = io::Window{0, 0, 3, 2};
    crop::test::write_image(dir.file("a_20210626.tif"), grid, spec);
    crop::ImageStack stack({dir.file("a_20210626.tif")}, {});
    CHECK(stack.signature(0).date == "2021-06-26");
    CHECK(stack.signature(0).band_roles ==
          std::vector<std::string>{"blue", "green", "red", "nir", "swir1", "swir2"});

    const auto f = crop::compute_features(stack, {crop::SpectralIndex::Ndvi, crop::SpectralIndex::Evi},
                                          io::Window{0, 0, 30, 20});
    REQUIRE(f.count == 8);
    CHECK_FALSE(f.valid[0]);
    CHECK(std::isnan(f.pixel(0)[0]));
    // Pixel (row 5, col 5) lies in field (0,0): corn, June spectrum.
    const size_t p = 5 * 30 + 5;
    REQUIRE(f.valid[p]);
    CHECK(f.pixel(p)[3] == Approx(0.42).margin(1e-6));  // nir, from Int16 * 0.0001
    CHECK(f.pixel(p)[6] == Approx((0.42 - 0.05) / (0.42 + 0.05)).margin(1e-5));
    CHECK(f.pixel(p)[7] == Approx(2.5 * (0.42 - 0.05) / (0.42 + 6 * 0.05 - 7.5 * 0.04 + 1)).margin(1e-5));
    CHECK(crop::feature_names(2, {crop::SpectralIndex::Ndvi}).at(7) == "t2_blue");
}

TEST_CASE("band roles come from descriptions in any order, or six bands in role order", "[crop][features]") {
    test::TempDir dir;
    const io::Grid grid = test::utm_grid(8, 8, 10.0);
    crop::test::ImageSpec plain;
    plain.describe_roles = false;
    crop::test::write_image(dir.file("plain.tif"), grid, plain);
    CHECK_NOTHROW(crop::ImageStack({dir.file("plain.tif")}, {}));

    plain.extra_bands = 1;  // 7 bands without descriptions: ambiguous
    crop::test::write_image(dir.file("seven.tif"), grid, plain);
    try {
        crop::ImageStack({dir.file("seven.tif")}, {});
        FAIL("expected an InputError");
    } catch (const InputError& e) {
        CHECK(std::string(e.what()).find("seven.tif") != std::string::npos);
    }
}

TEST_CASE("images on different grids are refused unless aligned", "[crop][features]") {
    test::TempDir dir;
    crop::test::write_image(dir.file("a.tif"), test::utm_grid(20, 20, 10.0), {});
    crop::test::write_image(dir.file("b.tif"), test::utm_grid(20, 20, 10.0, 500010.0), {});
    try {
        crop::ImageStack({dir.file("a.tif"), dir.file("b.tif")}, {});
        FAIL("expected an InputError");
    } catch (const InputError& e) {
        CHECK(std::string(e.what()).rfind(dir.file("b.tif") + ":", 0) == 0);
    }
    crop::AlignOptions align;
    align.align = true;
    crop::ImageStack stack({dir.file("a.tif"), dir.file("b.tif")}, align);
    CHECK_FALSE(stack.warped(0));
    CHECK(stack.warped(1));
    const auto block = stack.read(1, io::Window{0, 0, 20, 20});
    CHECK(std::isnan(block.at(0, 5, 0)));            // b starts one pixel east of a
    CHECK_FALSE(std::isnan(block.at(0, 5, 10)));
    CHECK(block.at(3, 5, 10) == Approx(0.42).margin(0.05));  // corn NIR, from b's pixel 9
}

TEST_CASE("per-class sampling is reproducible with a seed and capped per class", "[crop][sampling]") {
    auto draw = [](std::uint64_t seed) {
        crop::ClassSampler s(2, 1, 10, seed);
        for (int i = 0; i < 1000; ++i) {
            const float v = static_cast<float>(i);
            s.offer(i % 10 == 0 ? 1 : 0, &v);
        }
        crop::SampleSet train, valid;
        s.split(0.2, train, valid);
        return std::make_pair(train, valid);
    };
    const auto [train, valid] = draw(7);
    CHECK(train.rows() == 16);
    CHECK(valid.rows() == 4);
    const auto again = draw(7);
    CHECK(again.first.features == train.features);
    CHECK(draw(8).first.features != train.features);
}

TEST_CASE("inverse-frequency weights give every class the same total weight", "[crop][sampling]") {
    const std::vector<float> labels{0, 0, 0, 0, 0, 0, 1, 1, 2};
    const auto w = crop::inverse_frequency_weights(labels, 4);  // class 3 absent
    CHECK(w[0] == Approx(9.0 / (3 * 6)));
    CHECK(w[6] == Approx(9.0 / (3 * 2)));
    CHECK(w[8] == Approx(9.0 / (3 * 1)));
    CHECK(6 * w[0] == Approx(2 * w[6]));
}
