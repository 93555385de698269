// lssr-synth: the synthetic study area follows the shared product contract and
// behaves like real scenes (phenology, water, sensor blur, clouds), per seed.
#include <catch2/catch.hpp>
#include <gdal_priv.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "libio/gdal/gdal_dataset.hpp"
#include "libio/gdal/grid.hpp"
#include "libio/gdal/raster.hpp"
#include "libio/products/legends.hpp"
#include "libsynth/products.hpp"
#include "libsynth/random.hpp"
#include "libio/gdal/warp.hpp"
#include "support.hpp"

namespace fs = std::filesystem;
using namespace lssr;
using lssr::test::run_tool;
using lssr::test::TempDir;

namespace {

const std::string kDates = "2021-06-26,2021-07-28";

// Contract names of the first date (2021-06-26) and of the second (2021-07-28).
const std::string kS2 =
    "S2A_MSIL2A_20210626T170901_N0500_R069_T15TVG_20210626T212001.SAFE/GRANULE/"
    "L2A_T15TVG_A031534_20210626T171234/IMG_DATA/";
const std::string kS2Bands = "T15TVG_20210626T170901_";
const std::string kLandsat = "LC08_L2SP_026031_20210627_20210707_02_T1";
const std::string kL30 = "HLS.L30.T15TVG.2021179T165432.v2.0.";
const std::string kS30 = "HLS.S30.T15TVG.2021177T170901.v2.0.";
const std::string kS1 = "S1A_IW_GRDH_1SDV_20210625T001512_20210625T001537_038512_048B4E_1A2B.tif";

std::string landsat_file(const std::string& band) { return kLandsat + "/" + kLandsat + "_" + band + ".TIF"; }

// Runs lssr-synth into dir/name and requires success.
std::string synth(const TempDir& dir, const std::string& name, std::vector<std::string> extra = {},
                  const std::string& seed = "7", const std::string& size = "2") {
    const std::string out = dir.file(name);
    std::vector<std::string> args{"-q", "-O", out, "--seed", seed, "--size", size, "--dates", kDates};
    args.insert(args.end(), extra.begin(), extra.end());
    const auto r = run_tool("lssr-synth", args);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    return out;
}

// The one file below `dir` whose relative path matches `pattern`.
std::string find_file(const std::string& dir, const std::string& pattern) {
    const std::regex re(pattern);
    std::vector<std::string> hits;
    for (const auto& f : test::list_files(dir))
        if (std::regex_search(f, re)) hits.push_back(f);
    INFO(pattern);
    REQUIRE(hits.size() == 1);
    return dir + "/" + hits.front();
}

struct Raster {
    io::Grid grid;
    io::RasterBlock block;
    GDALDataType type = GDT_Unknown;
    std::optional<double> nodata;
    double scale = 1, offset = 0;
};

Raster load(const std::string& path) {
    auto ds = io::open_raster(path);
    Raster r;
    r.grid = io::grid_of(*ds, path);
    std::vector<int> bands;
    for (int b = 1; b <= ds->GetRasterCount(); ++b) bands.push_back(b);
    r.block = io::read_block(*ds, bands, io::Window{0, 0, r.grid.width, r.grid.height}, path);
    GDALRasterBand* band = ds->GetRasterBand(1);
    r.type = band->GetRasterDataType();
    int has = 0;
    const double nodata = band->GetNoDataValue(&has);
    if (has) r.nodata = nodata;
    r.scale = band->GetScale();
    r.offset = band->GetOffset();
    return r;
}

std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

// Reflectance of a Sentinel-2 L2A band of the synthetic area (baseline N0500: offset 1000).
std::vector<double> s2_reflectance(const std::string& path) {
    const Raster r = load(path);
    std::vector<double> rho;
    for (float dn : r.block.data) rho.push_back((dn - 1000.0) / 10000.0);
    return rho;
}

double ndvi_mean(const std::vector<double>& red, const std::vector<double>& nir, const io::RasterBlock& classes,
                 int code) {
    double sum = 0;
    int n = 0;
    for (size_t i = 0; i < red.size(); ++i)
        if (classes.data[i] == code) {
            sum += (nir[i] - red[i]) / (nir[i] + red[i]);
            ++n;
        }
    REQUIRE(n > 0);
    return sum / n;
}

}  // namespace

TEST_CASE("lssr-synth writes the contract's products with their names, types, nodata and grids", "[synth]") {
    TempDir dir;
    const std::string out = synth(dir, "area");
    auto path = [&](const std::string& rel) { return out + "/" + rel; };

    // Sentinel-2 L2A: UInt16, nodata 0, no scale metadata; 10 m on the 30 m MGRS lattice.
    const Raster b04 = load(path(kS2 + "R10m/" + kS2Bands + "B04_10m.tif"));
    CHECK(b04.type == GDT_UInt16);
    CHECK(b04.nodata == 0.0);
    CHECK(b04.scale == 1.0);
    CHECK(b04.offset == 0.0);
    CHECK(io::epsg_code(b04.grid.crs_wkt) == 32615);
    CHECK(b04.grid.pixel_width() == 10.0);
    CHECK(b04.grid.width % 6 == 0);
    CHECK(std::fmod(b04.grid.origin_x(), 30.0) == 0.0);
    CHECK(std::fmod(b04.grid.origin_y(), 30.0) == 0.0);
    const io::Bounds area = b04.grid.bounds();
    CHECK(0.5 * (area.min_x + area.max_x) == Approx(450000).margin(30));
    CHECK(0.5 * (area.min_y + area.max_y) == Approx(4650000).margin(30));
    for (const char* band : {"B02", "B03", "B08"})
        CHECK(fs::exists(path(kS2 + "R10m/" + kS2Bands + band + "_10m.tif")));
    for (const char* band : {"B8A", "B11", "B12", "SCL"}) {
        const Raster r = load(path(kS2 + "R20m/" + kS2Bands + band + "_20m.tif"));
        CHECK(r.grid.pixel_width() == 20.0);
        CHECK(r.grid.width * 2 == b04.grid.width);
        CHECK(r.grid.origin_x() == b04.grid.origin_x());
    }

    // Landsat C2 L2: UInt16, nodata 0; its 30 m lattice is 15 m off the MGRS one.
    const Raster sr4 = load(path(landsat_file("SR_B4")));
    CHECK(sr4.type == GDT_UInt16);
    CHECK(sr4.nodata == 0.0);
    CHECK(sr4.scale == 1.0);
    CHECK(sr4.grid.pixel_width() == 30.0);
    CHECK(std::fmod(sr4.grid.origin_x(), 30.0) == 15.0);
    CHECK(std::fmod(sr4.grid.origin_y(), 30.0) == 15.0);
    CHECK(sr4.grid.bounds().intersection(area).area() == Approx(area.area()));  // covers the area
    for (int b = 1; b <= 7; ++b) CHECK(fs::exists(path(landsat_file("SR_B" + std::to_string(b)))));
    CHECK(load(path(landsat_file("QA_PIXEL"))).type == GDT_UInt16);

    // HLS: Int16 with scale 0.0001 and nodata -9999; Fmask UInt8 with fill 255;
    // on the MGRS lattice, sharing the 10 m truth's corner.
    for (const std::string& prefix : {kL30, kS30}) {
        const Raster red = load(path(prefix + "B04.tif"));
        CHECK(red.type == GDT_Int16);
        CHECK(red.nodata == -9999.0);
        CHECK(red.scale == 0.0001);
        CHECK(red.offset == 0.0);
        CHECK(red.grid.origin_x() == b04.grid.origin_x());
        CHECK(red.grid.origin_y() == b04.grid.origin_y());
        CHECK(red.grid.width * 3 == b04.grid.width);
        const Raster fmask = load(path(prefix + "Fmask.tif"));
        CHECK(fmask.type == GDT_Byte);
        CHECK(fmask.nodata == 255.0);
    }
    for (const char* band : {"B01", "B02", "B03", "B05", "B06", "B07"}) CHECK(fs::exists(path(kL30 + band + ".tif")));
    for (const char* band : {"B02", "B03", "B8A", "B11", "B12"}) CHECK(fs::exists(path(kS30 + band + ".tif")));

    // Sentinel-1: one Float32 VV/VH stack in dB, nodata -9999.
    {
        auto ds = io::open_raster(path(kS1));
        REQUIRE(ds->GetRasterCount() == 2);
        CHECK(std::string(ds->GetRasterBand(1)->GetDescription()) == "VV");
        CHECK(std::string(ds->GetRasterBand(2)->GetDescription()) == "VH");
        CHECK(ds->GetRasterBand(1)->GetRasterDataType() == GDT_Float32);
        CHECK(ds->GetRasterBand(1)->GetNoDataValue() == -9999.0);
    }

    // Static layers: DEM in EPSG:4326, Dynamic World labels at 10 m UTM, CDL in
    // EPSG:5070 at 30 m with nodata 0 and the CDL colours.
    const Raster dem = load(path("dem.tif"));
    CHECK(io::epsg_code(dem.grid.crs_wkt) == 4326);
    CHECK(dem.type == GDT_Float32);
    const io::Bounds footprint = io::footprint_lonlat(b04.grid);
    CHECK(dem.grid.bounds().intersection(footprint).area() == Approx(footprint.area()).epsilon(1e-6));
    const auto [low, high] = std::minmax_element(dem.block.data.begin(), dem.block.data.end());
    CHECK(*low > 250.0f);  // Iowa's till plain, no holes (nodata is -999999)
    CHECK(*high < 450.0f);
    const Raster landcover = load(path("landcover.tif"));
    CHECK(landcover.type == GDT_Byte);
    CHECK(io::same_grid(landcover.grid, b04.grid));
    const Raster cdl = load(path("cdl.tif"));
    CHECK(cdl.type == GDT_Byte);
    CHECK(io::epsg_code(cdl.grid.crs_wkt) == 5070);
    CHECK(cdl.grid.pixel_width() == 30.0);
    CHECK(cdl.nodata == 0.0);
    auto ds = io::open_raster(path("cdl.tif"));
    const GDALColorTable* colors = ds->GetRasterBand(1)->GetColorTable();
    REQUIRE(colors != nullptr);
    const GDALColorEntry* corn = colors->GetColorEntry(1);
    CHECK((corn->c1 == 0xff && corn->c2 == 0xd4 && corn->c3 == 0x00));
}

TEST_CASE("lssr-synth is deterministic per seed", "[synth]") {
    TempDir dir;
    const std::string a = synth(dir, "a"), b = synth(dir, "b"), c = synth(dir, "c", {}, "8");
    const auto files = test::list_files(a);
    REQUIRE(files.size() == 2 * (8 + 8 + 7 + 8 + 1) + 5 + 1);  // per date: S2, Landsat, S30, L30, S1; 5 static; .lssr-output
    CHECK(test::list_files(b) == files);
    for (const auto& f : files) {
        INFO(f);
        CHECK(slurp(a + "/" + f) == slurp(b + "/" + f));
    }
    const std::string red = kS2 + "R10m/" + kS2Bands + "B04_10m.tif";
    CHECK(load(a + "/" + red).block.data != load(c + "/" + red).block.data);
    CHECK(load(a + "/landcover.tif").block.data != load(c + "/landcover.tif").block.data);
}

TEST_CASE("lssr-synth: the 30 m scenes are the blurred, noisy truth, registered on their grids", "[synth]") {
    TempDir dir;
    const std::string out = synth(dir, "area");
    const std::string truth_path = out + "/" + kS2 + "R10m/" + kS2Bands + "B04_10m.tif";
    auto truth_ds = io::open_raster(truth_path);
    const io::BandScaling s2{1e-4, -0.1, 0.0};  // (DN - 1000) / 10000

    // Landsat (next day, so nearly the same surface): average the truth over
    // each Landsat pixel with GDAL and compare reflectances.
    const Raster landsat = load(out + "/" + landsat_file("SR_B4"));
    io::WarpRequest average;
    average.method = io::Resampling::Average;
    const io::RasterBlock expected = io::warp_scaled(*truth_ds, truth_path, landsat.grid, average, {s2});
    // Mean absolute difference over all pixels, or only where the truth has an
    // east-west edge (there a misregistration by one pixel shows most).
    auto mean_abs_diff = [&](int shift, bool edges_only, const io::RasterBlock* against = nullptr) {
        const io::RasterBlock& e = against ? *against : expected;
        double sum = 0;
        int n = 0;
        for (int r = 2; r < landsat.grid.height - 2; ++r)
            for (int c = 2; c < landsat.grid.width - 2; ++c) {
                if (edges_only && std::abs(expected.at(0, r, c + 1) - expected.at(0, r, c - 1)) < 0.03) continue;
                const double rho = landsat.block.at(0, r, c) * 2.75e-5 - 0.2;
                sum += std::abs(rho - e.at(0, r, c + shift));
                ++n;
            }
        REQUIRE(n > 0);
        return sum / n;
    };
    const double aligned = mean_abs_diff(0, false);
    CHECK(aligned < 0.01);
    CHECK(aligned > 0.001);  // blur, gain and noise were applied
    // The scene sits where its grid says: shifting by a pixel fits worse at edges.
    const double edges = mean_abs_diff(0, true);
    CHECK(mean_abs_diff(1, true) > 2 * edges);
    CHECK(mean_abs_diff(-1, true) > 2 * edges);
    // Even half a pixel (the MGRS lattice instead of Landsat's) fits worse.
    io::Grid half = landsat.grid;
    half.transform[0] += 15;
    const io::RasterBlock on_half = io::warp_scaled(*truth_ds, truth_path, half, average, {s2});
    CHECK(mean_abs_diff(0, true, &on_half) > 1.3 * edges);

    // HLS S30 (same overpass) against a plain 3x3 block average of the truth.
    const Raster s30 = load(out + "/" + kS30 + "B04.tif");
    const std::vector<double> rho10 = s2_reflectance(truth_path);
    const int n10 = s30.grid.width * 3;
    double sum = 0;
    int n = 0;
    for (int r = 1; r < s30.grid.height - 1; ++r)
        for (int c = 1; c < s30.grid.width - 1; ++c) {
            double block = 0;
            for (int dr = 0; dr < 3; ++dr)
                for (int dc = 0; dc < 3; ++dc) block += rho10[(3 * r + dr) * n10 + 3 * c + dc] / 9.0;
            sum += std::abs(s30.block.at(0, r, c) * s30.scale - block);
            ++n;
        }
    CHECK(sum / n < 0.008);
    CHECK(sum / n > 0.001);
}

TEST_CASE("lssr-synth: crops follow their phenology, water is dark in the infrared", "[synth]") {
    TempDir dir;
    const std::string out = synth(dir, "area");
    const io::RasterBlock classes = load(out + "/truth/cdl_10m.tif").block;
    auto band = [&](const std::string& date_prefix, const char* name) {
        return s2_reflectance(find_file(out, date_prefix + ".*_" + name + "_10m\\.tif$"));
    };
    const auto red_june = band("S2A_MSIL2A_20210626", "B04"), nir_june = band("S2A_MSIL2A_20210626", "B08");
    const auto red_july = band("S2B_MSIL2A_20210728", "B04"), nir_july = band("S2B_MSIL2A_20210728", "B08");

    // Corn and soybean green up between late June and late July; winter wheat has been harvested.
    const double corn_june = ndvi_mean(red_june, nir_june, classes, 1);
    const double corn_july = ndvi_mean(red_july, nir_july, classes, 1);
    const double soy_june = ndvi_mean(red_june, nir_june, classes, 5);
    const double soy_july = ndvi_mean(red_july, nir_july, classes, 5);
    const double wheat_june = ndvi_mean(red_june, nir_june, classes, 24),
                 wheat_july = ndvi_mean(red_july, nir_july, classes, 24);
    CHECK(corn_july > corn_june + 0.1);
    CHECK(corn_july > 0.75);
    CHECK(soy_july > soy_june + 0.15);
    CHECK(corn_june > soy_june);  // corn is sown and closes its canopy earlier
    CHECK(wheat_july < 0.4);
    CHECK(wheat_july < wheat_june);

    // Water (Dynamic World 0): low NIR; trees: high NIR.
    const io::RasterBlock dw = load(out + "/landcover.tif").block;
    double water_nir = 0, tree_nir = 0;
    int nw = 0, nt = 0;
    for (size_t i = 0; i < dw.data.size(); ++i) {
        if (dw.data[i] == 0) water_nir += nir_july[i], ++nw;
        if (dw.data[i] == 1) tree_nir += nir_july[i], ++nt;
    }
    REQUIRE(nw > 0);
    REQUIRE(nt > 0);
    CHECK(water_nir / nw < 0.05);
    CHECK(tree_nir / nt > 0.3);

    // The Fmask water bit marks the river in the 30 m scenes.
    const Raster fmask = load(out + "/" + kL30 + "Fmask.tif");
    int water_bits = 0;
    for (float v : fmask.block.data) water_bits += (static_cast<int>(v) & 32) != 0;
    CHECK(water_bits > 0);

    // Sentinel-1: water is very dark, the town bright.
    const Raster s1 = load(out + "/" + kS1);
    double vv_water = 0, vv_built = 0;
    int nb = 0;
    for (size_t i = 0; i < dw.data.size(); ++i) {
        if (dw.data[i] == 0) vv_water += s1.block.data[i];
        if (classes.data[i] == 123) vv_built += s1.block.data[i], ++nb;
    }
    REQUIRE(nb > 0);
    CHECK(vv_water / nw < -18);
    CHECK(vv_built / nb > -10);
}

TEST_CASE("lssr-synth: fields and all land-cover classes exist", "[synth]") {
    TempDir dir;
    const std::string out = synth(dir, "area");
    std::set<int> fields, dw, cdl10, cdl30;
    for (float v : load(out + "/truth/field_id.tif").block.data) fields.insert(static_cast<int>(v));
    for (float v : load(out + "/landcover.tif").block.data) dw.insert(static_cast<int>(v));
    for (float v : load(out + "/truth/cdl_10m.tif").block.data) cdl10.insert(static_cast<int>(v));
    for (float v : load(out + "/cdl.tif").block.data) cdl30.insert(static_cast<int>(v));
    CHECK(fields.size() > 25);  // a 2 km area holds dozens of ~300 m fields
    CHECK(dw == std::set<int>{0, 1, 2, 4, 6, 7});
    CHECK(cdl10 == std::set<int>{1, 5, 24, 36, 111, 121, 123, 131, 141, 176});
    for (int code : {1, 5, 24, 36, 141, 176}) CHECK(cdl30.count(code) == 1);
}

TEST_CASE("lssr-synth --clouds marks clouds, shadows and their surroundings in Fmask and QA_PIXEL", "[synth]") {
    TempDir dir;
    const std::string out = synth(dir, "cloudy", {"--clouds", "0.2"});
    for (const std::string& prefix : {kL30, kS30}) {
        INFO(prefix);
        const Raster fmask = load(out + "/" + prefix + "Fmask.tif");
        const Raster blue = load(out + "/" + prefix + "B02.tif");
        int cloud = 0, shadow = 0, adjacent = 0;
        double blue_cloud = 0, blue_clear = 0;
        for (size_t i = 0; i < fmask.block.data.size(); ++i) {
            const int v = static_cast<int>(fmask.block.data[i]);
            const double rho = blue.block.data[i] * 1e-4;
            if (v & 2) ++cloud, blue_cloud += rho;
            else blue_clear += rho;
            shadow += (v & 8) != 0;
            adjacent += (v & 4) != 0;
        }
        const double n = static_cast<double>(fmask.block.data.size());
        CHECK(cloud / n == Approx(0.2).margin(0.03));
        CHECK(shadow > 0);
        CHECK(adjacent > 0);
        CHECK(blue_cloud / cloud > 0.25);  // clouds are bright
        CHECK(blue_clear / (n - cloud) < 0.1);
    }
    const Raster qa = load(out + "/" + landsat_file("QA_PIXEL"));
    int cloud = 0;
    for (float v : qa.block.data) cloud += (static_cast<int>(v) & (1 << 3)) != 0;
    CHECK(cloud / static_cast<double>(qa.block.data.size()) == Approx(0.2).margin(0.03));

    // The 10 m truth stays clear: its SCL has no cloud or shadow classes.
    std::set<int> scl;
    for (float v : load(find_file(out, "S2A.*_SCL_20m\\.tif$")).block.data) scl.insert(static_cast<int>(v));
    CHECK(scl == std::set<int>{4, 5, 6});

    // Without --clouds no pixel is flagged.
    const std::string clear = synth(dir, "clear");
    int flagged = 0;
    for (float v : load(clear + "/" + kL30 + "Fmask.tif").block.data) flagged += (static_cast<int>(v) & 0x0e) != 0;
    CHECK(flagged == 0);
}

TEST_CASE("lssr-synth refuses an existing output folder unless --overwrite", "[synth][cli]") {
    TempDir dir;
    const std::string out = dir.file("area");
    fs::create_directory(out);
    std::ofstream(out + "/keep.txt") << "user data";
    const std::vector<std::string> args{"-q", "-O", out, "--size", "1", "--dates", "2021-06-26"};
    const auto refused = run_tool("lssr-synth", args);
    CHECK(refused.exit_code == 1);
    CHECK(refused.err.rfind("lssr-synth: error: ", 0) == 0);
    CHECK(refused.err.find("already exists") != std::string::npos);
    CHECK(test::list_files(out) == std::vector<std::string>{"keep.txt"});
    CHECK(slurp(out + "/keep.txt") == "user data");
    CHECK(test::list_files(dir.path()).size() == 1);  // no staging leftovers

    auto with_overwrite = args;
    with_overwrite.push_back("--overwrite");
    const auto replaced = run_tool("lssr-synth", with_overwrite);
    INFO(replaced.err);
    // A folder lssr-synth did not write is never replaced (issue 10): the user's file stays.
    CHECK(replaced.exit_code == 1);
    CHECK(replaced.err.find("not replaced") != std::string::npos);
    CHECK(slurp(out + "/keep.txt") == "user data");
    fs::remove(out + "/keep.txt");
    REQUIRE(run_tool("lssr-synth", with_overwrite).exit_code == 0);
    CHECK(run_tool("lssr-synth", with_overwrite).exit_code == 0);  // its own folder is replaced
    CHECK(fs::exists(out + "/landcover.tif"));
}

TEST_CASE("lssr-synth rejects bad option values as usage errors", "[synth][cli]") {
    TempDir dir;
    auto run = [&](std::vector<std::string> extra) {
        std::vector<std::string> args{"-q", "-O", dir.file("x"), "--size", "1"};
        args.insert(args.end(), extra.begin(), extra.end());
        return run_tool("lssr-synth", args);
    };
    for (const auto& bad : std::vector<std::vector<std::string>>{
             {"--dates", "2021-02-30"},
             {"--dates", "2021-06-26,2021-06-26"},
             {"--dates", "2021-06-26", "--clouds", "1.5"},
             {"--dates", "2021-06-26", "--size", "0.2"},
             {"--dates", "2021-06-26", "--origin", "450001,4650000"},
             {"--dates", "2021-06-26", "--origin", "450000"}}) {
        const auto r = run(bad);
        INFO(bad.back() << ": " << r.err);
        CHECK(r.exit_code == 2);
        CHECK(r.err.rfind("lssr-synth: error: ", 0) == 0);
    }
    CHECK_FALSE(fs::exists(dir.file("x")));
}

TEST_CASE("lssr-synth --origin places the area's upper-left corner", "[synth]") {
    TempDir dir;
    const auto r = run_tool("lssr-synth", {"-q", "-O", dir.file("a"), "--size", "1", "--dates", "2021-06-26",
                                           "--origin", "420000,4680000"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    const Raster landcover = load(dir.file("a") + "/landcover.tif");
    CHECK(landcover.grid.origin_x() == 420000.0);
    CHECK(landcover.grid.origin_y() == 4680000.0);
}

TEST_CASE("synth product encodings invert with the contract's formulas and never write nodata", "[synth]") {
    using namespace io::synth;
    for (double rho : {-0.05, 0.0, 0.1234, 0.5, 1.2}) {
        INFO(rho);
        CHECK((s2_dn(rho) - 1000) / 10000 == Approx(rho).margin(5e-5));
        CHECK(landsat_dn(rho) * 2.75e-5 - 0.2 == Approx(rho).margin(1.4e-5));
        CHECK(hls_dn(rho) * 1e-4 == Approx(rho).margin(5e-5));
    }
    CHECK(s2_dn(-0.5) == 1);  // 0 is nodata
    CHECK(landsat_dn(-0.5) == 1);
    CHECK(hls_dn(-5.0) > -9999);
    // QA_PIXEL: bit 1 dilated cloud, 3 cloud, 4 shadow, 6 clear, 7 water, 8-9 cloud confidence.
    auto bit = [](std::uint16_t v, int b) { return ((v >> b) & 1) != 0; };
    CHECK((bit(qa_pixel::kClear, 6) && !bit(qa_pixel::kClear, 3) && !bit(qa_pixel::kClear, 7)));
    CHECK((bit(qa_pixel::kWater, 6) && bit(qa_pixel::kWater, 7)));
    CHECK((bit(qa_pixel::kCloud, 3) && !bit(qa_pixel::kCloud, 6) && ((qa_pixel::kCloud >> 8) & 3) == 3));
    CHECK((bit(qa_pixel::kShadow, 4) && ((qa_pixel::kShadow >> 10) & 3) == 3));
    CHECK((bit(qa_pixel::kDilated, 1) && !bit(qa_pixel::kDilated, 6)));
    CHECK(bit(qa_pixel::kFill, 0));
}

TEST_CASE("synth random streams are reproducible and standard-normal", "[synth]") {
    using io::synth::Rng;
    Rng a(io::synth::derive_seed(7, "noise")), b(io::synth::derive_seed(7, "noise"));
    double sum = 0, sum2 = 0;
    const int n = 200000;
    int differ = 0;
    for (int i = 0; i < n; ++i) {
        const double x = a.normal();
        differ += x != b.normal();
        sum += x;
        sum2 += x * x;
    }
    CHECK(differ == 0);
    CHECK(sum / n == Approx(0.0).margin(0.01));
    CHECK(sum2 / n == Approx(1.0).margin(0.01));
    CHECK(io::synth::derive_seed(7, "noise") != io::synth::derive_seed(7, "clouds"));
    CHECK(io::synth::derive_seed(7, "noise", 0) != io::synth::derive_seed(7, "noise", 1));
    // mt19937_64's output is fixed by the standard, so the first draw is too.
    CHECK(Rng(5489u).uniform() == Approx(14514284786278117030ull / 18446744073709551616.0).epsilon(1e-15));
}

TEST_CASE("the embedded CDL legend is the one shipped in data/cdl-colors.tsv", "[synth]") {
    std::ifstream in(test::kSourceDir + "/data/cdl-colors.tsv");
    REQUIRE(in);
    std::map<int, std::string> shipped;
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#' || line.rfind("code", 0) == 0) continue;
        std::istringstream fields(line);
        std::string code, name, color;
        std::getline(fields, code, '\t');
        std::getline(fields, name, '\t');
        std::getline(fields, color, '\t');
        shipped[std::stoi(code)] = name + "|" + color;
    }
    const auto& embedded = io::cdl_classes();
    REQUIRE(embedded.size() == shipped.size());
    for (const auto& c : embedded) {
        char hex[8];
        std::snprintf(hex, sizeof hex, "#%02x%02x%02x", c.r, c.g, c.b);
        CHECK(shipped[c.code] == std::string(c.name) + "|" + hex);
    }
}

TEST_CASE("warping onto a lon/lat (EPSG:4326) grid lands on the data", "[warp]") {
    TempDir dir;
    const io::Grid utm = test::utm_grid(60, 60, 30.0, 448000.0, 4652000.0);
    test::write_test_raster(dir.file("utm.tif"), utm, 1, GDT_Float32, [](int, int, int) { return 42.0; });
    auto ds = io::open_raster(dir.file("utm.tif"));
    io::Grid geo;
    geo.crs_wkt = io::crs_from_user_input("EPSG:4326");
    geo.transform = {-93.62, 0.001, 0, 42.015, 0, -0.001};  // inside the UTM raster's footprint
    geo.width = 5;
    geo.height = 5;
    const io::RasterBlock out = io::warp_to_grid(*ds, dir.file("utm.tif"), geo, io::WarpRequest{});
    REQUIRE(out.data.size() == 25);
    for (float v : out.data) CHECK(v == Approx(42.0));
}
