// Product and file names of Landsat, HLS, Sentinel-2 and Sentinel-1: what they
// say (scene, date, tile, band role), what is refused and why, default scaling,
// stacks, and grouping real Landsat 8 files into one scene.
#include <catch2/catch.hpp>

#include <cpl_vsi.h>
#include <gdal_priv.h>
#include <ogr_spatialref.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "libio/core/errors.hpp"
#include "libio/gdal/gdal_dataset.hpp"
#include "libio/products/products.hpp"
#include "libio/gdal/raster.hpp"
#include "libio/products/scan.hpp"
#include "support.hpp"

using namespace lssr;
using namespace lssr::io;

namespace {

ProductName parsed(const std::string& path) {
    const NameParse p = parse_product_name(path);
    INFO(path << " -> " << p.reason);
    REQUIRE(p.status == NameStatus::Product);
    return p.product;
}

std::string rejection(const std::string& path) {
    const NameParse p = parse_product_name(path);
    INFO(path);
    REQUIRE(p.status == NameStatus::Rejected);
    CHECK_FALSE(p.reason.empty());
    return p.reason;
}

NameStatus status(const std::string& path) { return parse_product_name(path).status; }

const std::string kS2Safe = "S2A_MSIL2A_20210626T170901_N0500_R069_T15TVG_20210626T212001.SAFE";
const std::string kS2Granule = kS2Safe + "/GRANULE/L2A_T15TVG_A031534_20210626T171234/IMG_DATA/";
const std::string kS1Id = "S1A_IW_GRDH_1SDV_20210625T001512_20210625T001537_038512_048B4E_1A2B";

}  // namespace

TEST_CASE("HLS v2.0 names give granule, tile, date and time from the day of year", "[products][hls]") {
    // The worked example of the LP DAAC naming convention.
    const ProductName a = parsed("HLS.L30.T15TYH.2021177T164218.v2.0.B04.tif");
    CHECK(a.mission == Mission::Hls);
    CHECK(a.sensor == "hls-l30");
    CHECK(a.level == "L30");
    CHECK(a.tile == "15TYH");
    CHECK(a.date.iso() == "2021-06-26");
    CHECK(a.datetime == "2021-06-26T16:42:18Z");
    CHECK(a.scene_id == "HLS.L30.T15TYH.2021177T164218.v2.0");
    CHECK(a.band == "B04");
    CHECK(a.role == "red");

    const ProductName b = parsed("/data/HLS.L30.T15TVG.2021179T165432.v2.0.B05.tif");
    CHECK(b.date.iso() == "2021-06-28");
    CHECK(b.role == "nir");  // L30 B05 is NIR ...
    CHECK(parsed("HLS.S30.T15TVG.2021177T170901.v2.0.B05.tif").role.empty());  // ... S30 B05 is red-edge
    CHECK(parsed("HLS.S30.T15TVG.2021177T170901.v2.0.B8A.tif").role == "nir");
    CHECK(parsed("HLS.S30.T15TVG.2021177T170901.v2.0.B11.tif").role == "swir1");
    CHECK(parsed("HLS.L30.T15TVG.2021179T165432.v2.0.B07.tif").role == "swir2");
    CHECK(parsed("HLS.L30.T15TVG.2021179T165432.v2.0.Fmask.tif").role == "fmask");

    // A granule from NASA's own fixtures, in a leap year: DOY 128 of 2024 is 7 May.
    const ProductName c = parsed("HLSS30.020/HLS.S30.T13RCN.2024128T173909.v2.0.Fmask.tif");
    CHECK(c.date.iso() == "2024-05-07");
    CHECK(c.sensor == "hls-s30");

    // Remote paths parse by their last component.
    CHECK(parsed("/vsicurl/https://data.lpdaac.earthdatacloud.nasa.gov/lp-prod-protected/HLSL30.020/"
                 "HLS.L30.T15TVG.2021179T165432.v2.0/HLS.L30.T15TVG.2021179T165432.v2.0.B02.tif")
              .role == "blue");
}

TEST_CASE("HLS day of year handles leap years and refuses days that do not exist", "[products][hls][dates]") {
    CHECK(parsed("HLS.L30.T15TVG.2020366T165432.v2.0.B04.tif").date.iso() == "2020-12-31");
    CHECK(parsed("HLS.L30.T15TVG.2024060T165432.v2.0.B04.tif").date.iso() == "2024-02-29");
    CHECK(parsed("HLS.L30.T15TVG.2023060T165432.v2.0.B04.tif").date.iso() == "2023-03-01");
    CHECK(parsed("HLS.L30.T15TVG.2021001T000000.v2.0.B04.tif").date.iso() == "2021-01-01");
    CHECK(rejection("HLS.L30.T15TVG.2021366T165432.v2.0.B04.tif").find("366") != std::string::npos);
    CHECK(rejection("HLS.L30.T15TVG.2021000T165432.v2.0.B04.tif").find("day of year") != std::string::npos);
    CHECK(rejection("HLS.L30.T15TVG.2021179T256000.v2.0.B04.tif").find("acquisition time") != std::string::npos);
}

TEST_CASE("HLS: v1.x, unknown products, tiles and bands are refused with a reason; angles are skipped",
          "[products][hls]") {
    CHECK(rejection("HLS.S30.T52SCG.2019253.v1.5.hdf").find("v1.5") != std::string::npos);
    CHECK(rejection("HLS.L30.T15TVG.2021179T165432.v1.4.B04.tif").find("not supported") != std::string::npos);
    CHECK(rejection("HLS.X30.T15TVG.2021179T165432.v2.0.B04.tif").find("X30") != std::string::npos);
    CHECK(rejection("HLS.L30.T15TIG.2021179T165432.v2.0.B04.tif").find("MGRS") != std::string::npos);
    CHECK(rejection("HLS.L30.T15TVG.2021179T165432.v2.0.B12.tif").find("B12") != std::string::npos);
    CHECK(rejection("HLS.L30.T15TVG.2021179T165432.v2.0.B04.hdf").find("GeoTIFF") != std::string::npos);
    CHECK(status("HLS.S30.T35UNQ.2022078T092029.v2.0.SZA.tif") == NameStatus::Sidecar);
    CHECK(status("HLS.L30.T15TVG.2021179T165432.v2.0.VAA.tif") == NameStatus::Sidecar);
    CHECK(status("HLS.S30.T13RCN.2024128T173909.v2.0.cmr.xml") == NameStatus::Sidecar);
    CHECK(status("HLS.S30.T13RCN.2024128T173909.v2.0.jpg") == NameStatus::Sidecar);
    const ProductName stack = parsed("HLS.L30.T15TVG.2021179T165432.v2.0.tif");
    CHECK(stack.is_stack());
    CHECK(stack.scene_id == "HLS.L30.T15TVG.2021179T165432.v2.0");
}

TEST_CASE("Landsat Collection 2 Level-2 names: OLI roles, QA_PIXEL, SR scaling", "[products][landsat]") {
    const ProductName red = parsed("LC08_L2SP_026031_20210627_20210707_02_T1/"
                                   "LC08_L2SP_026031_20210627_20210707_02_T1_SR_B4.TIF");
    CHECK(red.mission == Mission::Landsat);
    CHECK(red.sensor == "landsat8");
    CHECK(red.level == "L2SP");
    CHECK(red.collection == 2);
    CHECK(red.tile == "026031");
    CHECK(red.date.iso() == "2021-06-27");
    CHECK(red.datetime.empty());
    CHECK(red.scene_id == "LC08_L2SP_026031_20210627_20210707_02_T1");
    CHECK(red.band == "SR_B4");
    CHECK(red.role == "red");
    const BandScaling sr = default_scaling(red, "red");
    CHECK(sr.scale == Approx(2.75e-5));
    CHECK(sr.offset == Approx(-0.2));
    CHECK(sr.nodata == 0.0);

    // The USGS naming FAQ's example.
    const ProductName faq = parsed("LC08_L2SP_140041_20130503_20190828_02_T1_SR_B2.TIF");
    CHECK(faq.role == "blue");
    CHECK(faq.tile == "140041");
    CHECK(parsed("LC09_L2SR_026031_20220101_20220103_02_T2_SR_B5.TIF").role == "nir");
    CHECK(parsed("LC09_L2SR_026031_20220101_20220103_02_T2_SR_B5.TIF").sensor == "landsat9");
    CHECK(parsed("LC08_L2SP_026031_20210627_20210707_02_T1_SR_B6.TIF").role == "swir1");
    CHECK(parsed("LC08_L2SP_026031_20210627_20210707_02_T1_SR_B7.TIF").role == "swir2");
    CHECK(parsed("LC08_L2SP_026031_20210627_20210707_02_T1_SR_B1.TIF").role.empty());  // coastal
    const ProductName qa = parsed("LC08_L2SP_026031_20210627_20210707_02_T1_QA_PIXEL.TIF");
    CHECK(qa.role == "qa_pixel");
    CHECK(default_scaling(qa, "qa_pixel").scale == 1.0);
    CHECK(parsed("LC08_L2SP_026031_20210627_20210707_02_RT_QA_RADSAT.TIF").role.empty());

    // Surface temperature and metadata sit beside the SR bands and are skipped.
    CHECK(status("LC08_L2SP_026031_20210627_20210707_02_T1_ST_B10.TIF") == NameStatus::Sidecar);
    CHECK(status("LC08_L2SP_026031_20210627_20210707_02_T1_MTL.txt") == NameStatus::Sidecar);
    CHECK(status("LC08_L2SP_026031_20210627_20210707_02_T2_MTL.json") == NameStatus::Sidecar);
    CHECK(status("LC08_L2SP_026031_20210627_20210707_02_T1_thumb_small.jpeg") == NameStatus::Sidecar);
}

TEST_CASE("Landsat TM and ETM+ put NIR on B4", "[products][landsat]") {
    CHECK(parsed("LE07_L2SP_026031_20120627_20200907_02_T1_SR_B1.TIF").role == "blue");
    CHECK(parsed("LE07_L2SP_026031_20120627_20200907_02_T1_SR_B3.TIF").role == "red");
    CHECK(parsed("LE07_L2SP_026031_20120627_20200907_02_T1_SR_B4.TIF").role == "nir");
    CHECK(parsed("LE07_L2SP_026031_20120627_20200907_02_T1_SR_B5.TIF").role == "swir1");
    CHECK(parsed("LE07_L2SP_026031_20120627_20200907_02_T1_SR_B7.TIF").role == "swir2");
    CHECK(parsed("LE07_L2SP_026031_20120627_20200907_02_T1_SR_B4.TIF").sensor == "landsat7");
    const ProductName tm = parsed("LT05_L2SP_026031_20110627_20200822_02_T1_SR_B4.TIF");
    CHECK(tm.sensor == "landsat5");
    CHECK(tm.role == "nir");
    CHECK(status("LT05_L2SP_026031_20110627_20200822_02_T1_ST_B6.TIF") == NameStatus::Sidecar);
    CHECK(rejection("LT05_L2SP_026031_20110627_20200822_02_T1_SR_B6.TIF").find("SR_B6") != std::string::npos);
    CHECK(parsed("LT05_L1TP_026031_20110627_20200822_02_T1_B4.TIF").role == "nir");
    CHECK(parsed("LE07_L1TP_026031_20120627_20200907_02_T1_B6_VCID_1.TIF").role.empty());
}

TEST_CASE("Landsat Level-1 names of Collection 1 and 2: TOA scaling, BQA and QA_PIXEL", "[products][landsat]") {
    const ProductName c1 = parsed("LC08_L1TP_195025_20130707_20170503_01_T1_B4.TIF");
    CHECK(c1.collection == 1);
    CHECK(c1.level == "L1TP");
    CHECK(c1.tile == "195025");
    CHECK(c1.date.iso() == "2013-07-07");
    CHECK(c1.role == "red");
    const BandScaling toa = default_scaling(c1, "red");
    CHECK(toa.scale == Approx(2e-5));
    CHECK(toa.offset == Approx(-0.1));
    CHECK(toa.nodata == 0.0);
    CHECK(parsed("LC08_L1TP_195025_20130707_20170503_01_T1_BQA.TIF").role == "bqa");
    CHECK(parsed("LC08_L1TP_195025_20130707_20170503_01_T1_B10.TIF").role.empty());  // thermal
    CHECK(parsed("LC08_L1TP_195025_20130707_20170503_01_T1_B8.TIF").role.empty());   // pan
    // The collections FAQ's real-time example.
    const ProductName rt = parsed("LC08_L1GT_029030_20151209_20160131_01_RT_B2.TIF");
    CHECK(rt.level == "L1GT");
    CHECK(rt.role == "blue");
    const ProductName c2 = parsed("LC09_L1TP_026031_20220315_20220316_02_T1_B5.TIF");
    CHECK(c2.collection == 2);
    CHECK(c2.role == "nir");
    CHECK(default_scaling(c2, "nir").scale == Approx(2e-5));
    CHECK(parsed("LC09_L1TP_026031_20220315_20220316_02_T1_QA_PIXEL.TIF").role == "qa_pixel");
    CHECK(status("LC09_L1TP_026031_20220315_20220316_02_T1_VAA.TIF") == NameStatus::Sidecar);
    // Collection 2 has no BQA; Collection 1 no QA_PIXEL.
    CHECK(rejection("LC09_L1TP_026031_20220315_20220316_02_T1_BQA.TIF").find("BQA") != std::string::npos);
    CHECK(rejection("LC08_L1TP_195025_20130707_20170503_01_T1_QA_PIXEL.TIF").find("QA_PIXEL") != std::string::npos);
}

TEST_CASE("malformed or unsupported Landsat names are refused with a reason", "[products][landsat]") {
    CHECK(rejection("LM05_L1TP_026031_19900627_20200822_02_T2_B4.TIF").find("MSS") != std::string::npos);
    CHECK(rejection("LT08_L1TP_026031_20210627_20210707_02_T1_B10.TIF").find("thermal") != std::string::npos);
    CHECK(rejection("LC08_L2SP_026031_20210627_20210707_01_T1_SR_B4.TIF").find("Collection 2") != std::string::npos);
    CHECK(rejection("LC08_L2SP_026031_20211340_20210707_02_T1_SR_B4.TIF").find("20211340") != std::string::npos);
    CHECK(rejection("LC08_L3XX_026031_20210627_20210707_02_T1_SR_B4.TIF").find("L3XX") != std::string::npos);
    CHECK(rejection("LC08_L2SP_026031_20210627_20210707_03_T1_SR_B4.TIF").find("collection") != std::string::npos);
    CHECK(rejection("LC08_L2SP_026031_20210627_20210707_02_T3_SR_B4.TIF").find("tier") != std::string::npos);
    CHECK(rejection("LC08_L2SP_026031_20210627_20210707_02_T1_SR_B9.TIF").find("SR_B9") != std::string::npos);
    CHECK(rejection("LC08_L2SP_026031_20210627_20210707_02_T1.tar").find(".tar") != std::string::npos);
    const ProductName stack = parsed("LC08_L2SP_026031_20210627_20210707_02_T1.tif");
    CHECK(stack.is_stack());
    CHECK(stack.scene_id == "LC08_L2SP_026031_20210627_20210707_02_T1");
}

TEST_CASE("Sentinel-2 band files inside a SAFE tree take product, level and baseline from it",
          "[products][sentinel2]") {
    const ProductName red = parsed("/data/" + kS2Granule + "R10m/T15TVG_20210626T170901_B04_10m.tif");
    CHECK(red.mission == Mission::Sentinel2);
    CHECK(red.sensor == "sentinel2");
    CHECK(red.scene_id == "S2A_MSIL2A_20210626T170901_N0500_R069_T15TVG_20210626T212001");
    CHECK(red.level == "L2A");
    CHECK(red.tile == "15TVG");
    CHECK(red.date.iso() == "2021-06-26");
    CHECK(red.datetime == "2021-06-26T17:09:01Z");
    CHECK(red.s2_baseline == 500);
    CHECK(red.resolution_m == 10);
    CHECK(red.role == "red");
    const BandScaling s = default_scaling(red, "red");
    CHECK(s.scale == Approx(1e-4));
    CHECK(s.offset == Approx(-0.1));  // N0500: DN carry BOA_ADD_OFFSET -1000
    CHECK(s.nodata == 0.0);
    CHECK(s.apply(1000 + 2500) == Approx(0.25));

    CHECK(parsed(kS2Granule + "R10m/T15TVG_20210626T170901_B08_10m.jp2").role == "nir");
    CHECK(parsed(kS2Granule + "R20m/T15TVG_20210626T170901_B8A_20m.jp2").role.empty());  // narrow NIR unused
    CHECK(parsed(kS2Granule + "R20m/T15TVG_20210626T170901_B11_20m.jp2").role == "swir1");
    CHECK(parsed(kS2Granule + "R20m/T15TVG_20210626T170901_B12_20m.jp2").role == "swir2");
    const ProductName scl = parsed(kS2Granule + "R20m/T15TVG_20210626T170901_SCL_20m.jp2");
    CHECK(scl.role == "scl");
    CHECK(scl.resolution_m == 20);
    CHECK(default_scaling(scl, "scl").scale == 1.0);

    // Everything else in the tree is skipped without a word.
    CHECK(status(kS2Granule + "R10m/T15TVG_20210626T170901_TCI_10m.jp2") == NameStatus::Sidecar);
    CHECK(status(kS2Safe + "/GRANULE/L2A_T15TVG_A031534_20210626T171234/QI_DATA/MSK_CLDPRB_20m.jp2") ==
          NameStatus::Sidecar);
    CHECK(status(kS2Safe + "/MTD_MSIL2A.xml") == NameStatus::Sidecar);
    CHECK(status(kS2Safe + "/manifest.safe") == NameStatus::Sidecar);
    // A band file of another tile inside this product is a mistake, not a guess.
    CHECK(rejection(kS2Granule + "R10m/T15TVH_20210626T170901_B04_10m.tif").find("15TVH") != std::string::npos);
}

TEST_CASE("Sentinel-2 L1C SAFE, bare band files and product-ID stacks", "[products][sentinel2]") {
    // The L1C product of NASA's HLS metadata fixture (baseline 02.09: no offset).
    const std::string l1c = "S2B_MSIL1C_20200406T222759_N0209_R072_T01LAH_20200406T235448.SAFE";
    const ProductName nir =
        parsed(l1c + "/GRANULE/L1C_T01LAH_A016027_20200406T222759/IMG_DATA/T01LAH_20200406T222759_B08.jp2");
    CHECK(nir.level == "L1C");
    CHECK(nir.tile == "01LAH");
    CHECK(nir.s2_baseline == 209);
    CHECK(nir.role == "nir");
    CHECK(default_scaling(nir, "nir").offset == 0.0);
    CHECK(default_scaling(nir, "nir").scale == Approx(1e-4));

    // Without a SAFE folder above: level from the resolution suffix, baseline unknown.
    const ProductName bare = parsed("T31UDP_20240217T110019_B04_10m.jp2");
    CHECK(bare.level == "L2A");
    CHECK_FALSE(bare.s2_baseline.has_value());
    CHECK(bare.scene_id == "T31UDP_20240217T110019");
    CHECK(bare.datetime == "2024-02-17T11:00:19Z");
    CHECK(default_scaling(bare, "red").offset == Approx(-0.1));  // acquired after 2022-01-25
    const ProductName old = parsed("somewhere/T15TVG_20210626T170901_B04_10m.tif");
    CHECK(default_scaling(old, "red").offset == 0.0);            // acquired before
    CHECK(parsed("T15TVG_20210626T170901_B04.jp2").level == "L1C");
    CHECK(rejection("T15TVG_20210626T170901_SCL.jp2").find("L2A") != std::string::npos);
    CHECK(rejection("T15TVG_20210626T170901_B13_10m.tif").find("B13") != std::string::npos);
    CHECK(status("MSK_CLDPRB_20m.jp2") == NameStatus::Unknown);  // outside a SAFE: not ours to skip

    const ProductName stack = parsed("S2A_MSIL2A_20210626T170901_N0500_R069_T15TVG_20210626T212001.tif");
    CHECK(stack.is_stack());
    CHECK(stack.s2_baseline == 500);
    CHECK(rejection("S2A_MSIL1B_20210626T170901_N0500_R069_T15TVG_20210626T212001.tif").find("L1B") !=
          std::string::npos);
    CHECK(rejection("S2A_OPER_PRD_MSIL1C_PDMC_20160101T000000_R069_V20151231T170901_20151231T170901.SAFE.tif")
              .find("long-format") != std::string::npos);
}

TEST_CASE("Sentinel-2 reflectance offset: baseline 04.00 on, else acquisitions from 2022-01-25",
          "[products][sentinel2]") {
    CHECK_FALSE(s2_has_offset(399, Date{2023, 1, 1}));
    CHECK(s2_has_offset(400, Date{2021, 1, 1}));  // reprocessed archives carry it too
    CHECK(s2_has_offset(509, Date{2024, 1, 1}));
    CHECK_FALSE(s2_has_offset(std::nullopt, Date{2022, 1, 24}));
    CHECK(s2_has_offset(std::nullopt, Date{2022, 1, 25}));
    CHECK(s2_has_offset(std::nullopt, Date{2023, 6, 1}));
}

TEST_CASE("Sentinel-1 GRD: product-ID stacks, polarisation files and SAFE measurement files",
          "[products][sentinel1]") {
    const ProductName stack = parsed(kS1Id + ".tif");
    CHECK(stack.mission == Mission::Sentinel1);
    CHECK(stack.sensor == "sentinel1");
    CHECK(stack.level == "GRD");
    CHECK(stack.is_stack());
    CHECK(stack.scene_id == kS1Id);
    CHECK(stack.date.iso() == "2021-06-25");
    CHECK(stack.datetime == "2021-06-25T00:15:12Z");
    CHECK(stack.tile.empty());
    const BandScaling db = default_scaling(stack, "vv");
    CHECK(db.scale == 1.0);
    CHECK(db.offset == 0.0);

    CHECK(parsed(kS1Id + "_VH.tif").role == "vh");
    const ProductName vv =
        parsed(kS1Id + ".SAFE/measurement/s1a-iw-grd-vv-20210625t001512-20210625t001537-038512-048b4e-001.tiff");
    CHECK(vv.scene_id == kS1Id);
    CHECK(vv.role == "vv");
    CHECK(vv.datetime == "2021-06-25T00:15:12Z");
    const ProductName loose = parsed("s1a-iw-grd-vh-20210625t001512-20210625t001537-038512-048b4e-002.tiff");
    CHECK(loose.role == "vh");
    CHECK(loose.scene_id == "s1a-iw-grd-20210625t001512-20210625t001537-038512-048b4e");
    CHECK(status(kS1Id + ".SAFE/annotation/s1a-iw-grd-vv-20210625t001512-20210625t001537-038512-048b4e-001.xml") ==
          NameStatus::Sidecar);
    CHECK(status(kS1Id + ".SAFE/preview/quick-look.png") == NameStatus::Sidecar);

    CHECK(rejection("S1A_IW_SLC__1SDV_20210625T001512_20210625T001537_038512_048B4E_1A2B.tif").find("GRD only") !=
          std::string::npos);
    CHECK(rejection(kS1Id + ".zip").find(".zip") != std::string::npos);
    CHECK(rejection(kS1Id + "_XY.tif").find("XY") != std::string::npos);
}

TEST_CASE("names of no known product are unknown, text files are sidecars", "[products]") {
    CHECK(status("dem.tif") == NameStatus::Unknown);
    CHECK(status("data/sample/landcover.tif") == NameStatus::Unknown);
    CHECK(status("L8_scene_red.tif") == NameStatus::Unknown);
    CHECK(status("README.md") == NameStatus::Sidecar);
    CHECK(status("x.tif.aux.xml") == NameStatus::Sidecar);
}

TEST_CASE("stack bands come from descriptions naming roles or product bands, else 6 bands in role order",
          "[products][stacks]") {
    std::string why;
    const ProductName s30 = parsed("HLS.S30.T15TVG.2021177T170901.v2.0.tif");
    auto by_band = stack_roles(s30, {"B02", "B03", "B04", "B8A", "B11", "B12", "Fmask"}, why);
    REQUIRE(by_band);
    CHECK(by_band->at("nir") == 4);
    CHECK(by_band->at("swir2") == 6);
    CHECK(by_band->at("fmask") == 7);

    const ProductName l2 = parsed("LC08_L2SP_026031_20210627_20210707_02_T1.tif");
    auto by_sr = stack_roles(l2, {"SR_B2", "SR_B3", "SR_B4", "SR_B5", "SR_B6", "SR_B7"}, why);
    REQUIRE(by_sr);
    CHECK(by_sr->at("blue") == 1);
    CHECK(by_sr->at("red") == 3);

    auto by_role = stack_roles(l2, {"swir2", "swir1", "NIR", "Red", "green", "blue"}, why);
    REQUIRE(by_role);
    CHECK(by_role->at("blue") == 6);
    CHECK(by_role->at("nir") == 3);

    auto in_order = stack_roles(s30, {"", "", "", "", "", ""}, why);
    REQUIRE(in_order);
    CHECK(in_order->at("blue") == 1);
    CHECK(in_order->at("swir2") == 6);

    CHECK_FALSE(stack_roles(s30, {"", "", "", "", "", "", ""}, why));
    CHECK(why.find("7 bands") != std::string::npos);
    CHECK_FALSE(stack_roles(l2, {"red", "red", "", "", "", ""}, why));
    CHECK(why.find("both describe red") != std::string::npos);

    const ProductName s1 = parsed(kS1Id + ".tif");
    auto pol = stack_roles(s1, {"Sigma0_VH_db", "Sigma0_VV_db"}, why);
    REQUIRE(pol);
    CHECK(pol->at("vh") == 1);
    CHECK(pol->at("vv") == 2);
    CHECK_FALSE(stack_roles(s1, {"", ""}, why));  // never guessed
    CHECK(why.find("VV") != std::string::npos);
}

TEST_CASE("the real Landsat 8 Collection 1 files group into one scene", "[products][scan]") {
    std::vector<std::string> warnings;
    const auto scenes = scan_scenes({test::data_path("landsat8-l1tp-sample")}, warnings);
    CHECK(warnings.empty());  // README.md beside them is no product and no raster
    REQUIRE(scenes.size() == 1);
    const SceneRef& s = scenes[0].scene;
    CHECK(s.id == "LC08_L1TP_195025_20130707_20170503_01_T1");
    CHECK(s.sensor == "landsat8");
    CHECK(s.level == "L1TP");
    CHECK(s.date == "2013-07-07");
    CHECK(s.tile == "195025");
    CHECK(s.paths.size() == 12);
    const std::string prefix = "LC08_L1TP_195025_20130707_20170503_01_T1_";
    const std::map<std::string, std::string> expected{{"blue", "B2"},  {"green", "B3"}, {"red", "B4"},
                                                      {"nir", "B5"},   {"swir1", "B6"}, {"swir2", "B7"},
                                                      {"bqa", "BQA"}};
    CHECK(s.bands.size() == expected.size());
    for (const auto& [role, band] : expected) {
        INFO(role);
        REQUIRE(s.has(role));
        CHECK(s.band(role).path == test::data_path("landsat8-l1tp-sample/" + prefix + band + ".TIF"));
        CHECK(s.band(role).band == 1);
    }
    CHECK(s.band("red").defaults.scale == Approx(2e-5));
    // 41 x 41 pixels of UTM 32N near Marburg, Germany.
    const Bounds& f = scenes[0].footprint;
    CHECK(f.min_x == Approx(8.7627).margin(1e-3));
    CHECK(f.max_y == Approx(50.8082).margin(1e-3));
    CHECK(scenes[0].native_bounds.width() == Approx(41 * 30.0));
}

TEST_CASE("scanning a missing input is an error naming it", "[products][scan]") {
    std::vector<std::string> warnings;
    test::TempDir dir;
    try {
        scan_scenes({dir.file("nope")}, warnings);
        FAIL("no error");
    } catch (const InputError& e) {
        CHECK(std::string(e.what()).find(dir.file("nope")) != std::string::npos);
    }
}

namespace {

// Copies the real Landsat files under a GDAL virtual folder (e.g. /vsimem/ or into a zip).
void copy_sample_to(const std::string& folder) {
    for (const auto& f : test::list_files(test::data_path("landsat8-l1tp-sample"))) {
        std::ifstream in(test::data_path("landsat8-l1tp-sample/" + f), std::ios::binary);
        const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        VSILFILE* out = VSIFOpenL((folder + "/" + f).c_str(), "wb");
        REQUIRE(out);
        CHECK(VSIFWriteL(bytes.data(), 1, bytes.size(), out) == bytes.size());
        VSIFCloseL(out);
    }
}

}  // namespace

TEST_CASE("scenes are found in GDAL virtual folders: /vsimem/ and /vsizip/", "[products][scan]") {
    const std::string id = "LC08_L1TP_195025_20130707_20170503_01_T1";
    std::vector<std::string> warnings;

    const std::string mem = "/vsimem/lssr-pair-scan";
    VSIMkdir(mem.c_str(), 0755);
    VSIMkdir((mem + "/" + id).c_str(), 0755);
    copy_sample_to(mem + "/" + id);
    const auto in_memory = scan_scenes({mem}, warnings);
    VSIRmdirRecursive(mem.c_str());
    REQUIRE(in_memory.size() == 1);
    CHECK(in_memory[0].scene.band("nir").path == mem + "/" + id + "/" + id + "_B5.TIF");

    test::TempDir dir;
    const std::string zip = "/vsizip/" + dir.file("scene.zip");
    copy_sample_to(zip + "/" + id);
    const auto zipped = scan_scenes({zip}, warnings);
    REQUIRE(zipped.size() == 1);
    CHECK(zipped[0].scene.id == id);
    CHECK(zipped[0].scene.paths.size() == 12);
    CHECK(zipped[0].scene.band("bqa").path == zip + "/" + id + "/" + id + "_BQA.TIF");
    CHECK(zipped[0].footprint.min_x == Approx(8.7627).margin(1e-3));
    CHECK(warnings.empty());
}

TEST_CASE("stacks named by a product ID: 6 bands in role order, others refused with a warning",
          "[products][scan][stacks]") {
    test::TempDir dir;
    const Grid grid = test::utm_grid(4, 4, 30.0);
    const auto value = [](int b, int, int) { return 100 * (b + 1); };
    test::write_test_raster(dir.file("HLS.L30.T15TVG.2021179T165432.v2.0.tif"), grid, 6, GDT_Int16, value);
    test::write_test_raster(dir.file("LC08_L2SP_026031_20210627_20210707_02_T1.tif"), grid, 7, GDT_UInt16, value);
    RasterSpec described;
    described.grid = grid;
    described.bands = 7;
    described.type = GDT_UInt16;
    described.descriptions = {"B02", "B03", "B04", "B08", "B11", "B12", "SCL"};
    write_raster(dir.file("S2B_MSIL2A_20220626T170901_N0400_R069_T15TVG_20220626T212001.tif"), described,
                 RasterBlock(7, 4, 4, 1000.0f), OutputOptions{});

    std::vector<std::string> warnings;
    const auto scenes = scan_scenes({dir.path().string()}, warnings);
    REQUIRE(scenes.size() == 2);
    const SceneRef& hls = scenes[0].scene;
    CHECK(hls.id == "HLS.L30.T15TVG.2021179T165432.v2.0");
    CHECK(hls.band("blue").band == 1);
    CHECK(hls.band("nir").band == 4);
    CHECK(hls.band("swir2").band == 6);
    CHECK(hls.band("red").defaults.scale == Approx(1e-4));
    CHECK_FALSE(hls.has("fmask"));
    const SceneRef& s2 = scenes[1].scene;
    CHECK(s2.sensor == "sentinel2");
    CHECK(s2.band("nir").band == 4);
    CHECK(s2.band("scl").band == 7);
    CHECK(s2.band("red").defaults.offset == Approx(-0.1));
    REQUIRE(warnings.size() == 1);
    CHECK(warnings[0].find("LC08_L2SP_026031_20210627_20210707_02_T1.tif: cannot tell its bands apart") !=
          std::string::npos);
}

TEST_CASE("Sentinel-1 SAFE measurement files: one scene, footprint from GCPs, and a calibration warning",
          "[products][scan][sentinel1]") {
    test::TempDir dir;
    const std::string safe = dir.file(
        "S1A_IW_GRDH_1SDV_20210625T001512_20210625T001537_038512_048B4E_1A2B.SAFE/measurement");
    std::filesystem::create_directories(safe);
    OGRSpatialReference wgs84;
    wgs84.importFromEPSG(4326);
    wgs84.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    ensure_gdal_registered();
    for (const char* pol : {"vv", "vh"}) {
        const std::string path = safe + "/s1a-iw-grd-" + pol + "-20210625t001512-20210625t001537-038512-048b4e-00" +
                                 (pol[1] == 'v' ? "1" : "2") + ".tiff";
        GDALDriver* gtiff = GetGDALDriverManager()->GetDriverByName("GTiff");
        DatasetPtr ds(gtiff->Create(path.c_str(), 10, 10, 1, GDT_UInt16, nullptr));
        REQUIRE(ds);
        // Radar geometry: corners tied to lon/lat, no geotransform.
        GDAL_GCP gcps[4];
        GDALInitGCPs(4, gcps);
        const double corners[4][4] = {{0, 0, -93.5, 42.5}, {10, 0, -92.5, 42.6}, {0, 10, -93.6, 41.8}, {10, 10, -92.6, 41.9}};
        for (int i = 0; i < 4; ++i) {
            gcps[i].dfGCPPixel = corners[i][0];
            gcps[i].dfGCPLine = corners[i][1];
            gcps[i].dfGCPX = corners[i][2];
            gcps[i].dfGCPY = corners[i][3];
        }
        REQUIRE(ds->SetGCPs(4, gcps, &wgs84) == CE_None);
        GDALDeinitGCPs(4, gcps);
    }
    std::vector<std::string> warnings;
    const auto scenes = scan_scenes({dir.path().string()}, warnings);
    REQUIRE(scenes.size() == 1);
    const SceneRef& s = scenes[0].scene;
    CHECK(s.id == "S1A_IW_GRDH_1SDV_20210625T001512_20210625T001537_038512_048B4E_1A2B");
    CHECK(s.band("vv").path.find("-vv-") != std::string::npos);
    CHECK(s.band("vh").path.find("-vh-") != std::string::npos);
    CHECK(scenes[0].footprint.min_x == Approx(-93.6));
    CHECK(scenes[0].footprint.max_y == Approx(42.6));
    REQUIRE(warnings.size() == 1);
    CHECK(warnings[0].find("uncalibrated amplitude") != std::string::npos);
}
