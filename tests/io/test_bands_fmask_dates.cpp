// Band roles and scaling, HLS Fmask decoding, calendar dates.
#include <catch2/catch.hpp>

#include <gdal_priv.h>

#include "libio/gdal/bands.hpp"
#include "libio/core/dates.hpp"
#include "libio/core/errors.hpp"
#include "libio/products/fmask.hpp"
#include "libio/gdal/gdal_dataset.hpp"
#include "support.hpp"

using namespace lssr;
using namespace lssr::io;

TEST_CASE("band roles round-trip through their names", "[bands]") {
    for (BandRole role : kReflectanceRoles) CHECK(parse_role(role_name(role)) == role);
    CHECK(parse_role("NIR") == BandRole::Nir);
    CHECK_FALSE(parse_role("B05").has_value());
}

TEST_CASE("scaling comes from band metadata, else from the product default", "[bands]") {
    test::TempDir dir;
    const Grid g = test::utm_grid(2, 2, 30.0);
    RasterSpec with;
    with.grid = g;
    with.type = GDT_Int16;
    with.nodata = -9999;
    with.scalings = {BandScaling{1e-4, 0, std::nullopt}};
    write_raster(dir.file("hls.tif"), with, RasterBlock(1, 2, 2, 1000), OutputOptions{});
    RasterSpec without;
    without.grid = g;
    without.type = GDT_UInt16;
    write_raster(dir.file("l8.tif"), without, RasterBlock(1, 2, 2, 1000), OutputOptions{});

    const BandScaling landsat_c2{2.75e-5, -0.2, 0.0};
    auto hls = open_raster(dir.file("hls.tif"));
    const ResolvedScaling a = resolve_scaling(*hls->GetRasterBand(1), landsat_c2);
    CHECK(a.source == ScalingSource::Metadata);
    CHECK(a.scaling.scale == Approx(1e-4));
    CHECK(a.scaling.offset == 0.0);
    CHECK(a.scaling.nodata == -9999.0);
    auto l8 = open_raster(dir.file("l8.tif"));
    const ResolvedScaling b = resolve_scaling(*l8->GetRasterBand(1), landsat_c2);
    CHECK(b.source == ScalingSource::ProductDefault);
    CHECK(b.scaling.scale == Approx(2.75e-5));
    CHECK(b.scaling.offset == Approx(-0.2));
    CHECK(b.scaling.nodata == 0.0);
    CHECK(b.scaling.apply(10000) == Approx(0.075));
}

TEST_CASE("Fmask: fill first, then cloud/adjacent/shadow bits by default", "[fmask]") {
    using namespace lssr::io::fmask;
    CHECK(fmask_is_bad(255));
    CHECK_FALSE(fmask_is_bad(0));
    CHECK(fmask_is_bad(kCloud));
    CHECK(fmask_is_bad(kAdjacent));
    CHECK(fmask_is_bad(kShadow));
    CHECK_FALSE(fmask_is_bad(kWater));
    CHECK_FALSE(fmask_is_bad(kSnow | kWater | 0x40));  // low aerosol is fine
    CHECK(fmask_aerosol_level(0xC0 | kWater) == 3);
    const FmaskPolicy strict = FmaskPolicy::parse("cloud,shadow,snow,aerosol>=high");
    CHECK(fmask_is_bad(kSnow, strict));
    CHECK_FALSE(fmask_is_bad(kAdjacent, strict));
    CHECK(fmask_is_bad(0xC0, strict));
    CHECK_FALSE(fmask_is_bad(0x80, strict));
    CHECK(fmask_is_bad(255, FmaskPolicy::parse("none")));  // fill is always bad
    CHECK_FALSE(fmask_is_bad(kCloud, FmaskPolicy::parse("none")));
    CHECK_THROWS_AS(FmaskPolicy::parse("cloud,haze"), OptionError);
}

TEST_CASE("dates: day of year, leap years, ISO and compact forms", "[dates]") {
    CHECK(Date::from_day_of_year(2021, 177).iso() == "2021-06-26");
    CHECK(Date::from_day_of_year(2020, 60).iso() == "2020-02-29");
    CHECK(Date::from_day_of_year(2021, 60).iso() == "2021-03-01");
    CHECK(Date::from_day_of_year(2020, 366).iso() == "2020-12-31");
    CHECK_THROWS(Date::from_day_of_year(2021, 366));
    CHECK(parse_date("20130707")->iso() == "2013-07-07");
    CHECK(parse_date("2021-06-26")->compact() == "20210626");
    CHECK_FALSE(parse_date("20210231").has_value());
    CHECK_FALSE(parse_date("2021-6-26").has_value());
    CHECK(days_between(*parse_date("2021-06-26"), *parse_date("2021-07-03")) == 7);
    CHECK(days_between(*parse_date("2020-12-31"), *parse_date("2021-01-01")) == 1);
    CHECK(Date::from_days(Date{1999, 12, 31}.days()).iso() == "1999-12-31");
    CHECK(Date{2021, 6, 26}.day_of_year() == 177);
}
