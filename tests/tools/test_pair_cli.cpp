// lssr-pair as a user runs it, on a folder of tiny georeferenced files named and
// laid out as the real products are (Landsat C2 L2 folders, a Sentinel-2 L2A SAFE
// tree, HLS granules, a Sentinel-1 stack).
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "libio/gdal/raster.hpp"
#include "support.hpp"

namespace fs = std::filesystem;
using lssr::test::run_tool;
using lssr::test::read_text;
using lssr::test::TempDir;
using nlohmann::json;

namespace {

// Two places 100 km apart: scenes at A overlap each other, never those at B.
constexpr double kA = 500000, kB = 600000;
constexpr double kSide = 240.0;  // metres

void raster(const fs::path& path, double x, double pixel, GDALDataType type = GDT_UInt16) {
    fs::create_directories(path.parent_path());
    const int n = static_cast<int>(kSide / pixel);
    lssr::test::write_test_raster(path.string(), lssr::test::utm_grid(n, n, pixel, x, 4200000.0), 1, type,
                                  [](int, int r, int c) { return 1000 + r + c; }, 0.0);
}

void text_file(const fs::path& path) {
    fs::create_directories(path.parent_path());
    std::ofstream(path) << "metadata\n";
}

// LC08_L2SP_026031_<date>_..._02_T1/<id>_SR_B1..7.TIF, QA_PIXEL, ST_B10, MTL.txt
void landsat_l2(const fs::path& dir, const std::string& mission, const std::string& yyyymmdd, double x) {
    const std::string id = mission + "_L2SP_026031_" + yyyymmdd + "_20210707_02_T1";
    const fs::path folder = dir / id;
    for (int b = 1; b <= 7; ++b) raster(folder / (id + "_SR_B" + std::to_string(b) + ".TIF"), x, 30);
    raster(folder / (id + "_QA_PIXEL.TIF"), x, 30);
    raster(folder / (id + "_ST_B10.TIF"), x, 30);
    text_file(folder / (id + "_MTL.txt"));
}

// S2x_MSIL2A_<date>T170901_N0500_..._T15TVG_....SAFE with 10 m and 20 m bands.
void sentinel2_safe(const fs::path& dir, const std::string& sat, const std::string& yyyymmdd, double x) {
    const std::string safe = sat + "_MSIL2A_" + yyyymmdd + "T170901_N0500_R069_T15TVG_" + yyyymmdd + "T212001.SAFE";
    const fs::path granule = dir / safe / "GRANULE" / ("L2A_T15TVG_A031534_" + yyyymmdd + "T171234");
    const std::string stem = "T15TVG_" + yyyymmdd + "T170901_";
    for (const char* b : {"B02", "B03", "B04", "B08"})
        raster(granule / "IMG_DATA" / "R10m" / (stem + b + "_10m.tif"), x, 10);
    for (const char* b : {"B02", "B8A", "B11", "B12", "SCL"})
        raster(granule / "IMG_DATA" / "R20m" / (stem + b + "_20m.tif"), x, 20);
    raster(granule / "QI_DATA" / "MSK_CLDPRB_20m.tif", x, 20);
    text_file(dir / safe / "MTD_MSIL2A.xml");
}

// HLS.<L30|S30>.T15TVG.<YYYYDDD>T<time>.v2.0.<band>.tif plus angles and metadata.
void hls(const fs::path& dir, const std::string& product, const std::string& yyyyddd, double x) {
    const std::string id = "HLS." + product + ".T15TVG." + yyyyddd + "T165432.v2.0";
    const std::vector<std::string> bands =
        product == "L30" ? std::vector<std::string>{"B01", "B02", "B03", "B04", "B05", "B06", "B07", "Fmask"}
                         : std::vector<std::string>{"B02", "B03", "B04", "B05", "B8A", "B11", "B12", "Fmask"};
    for (const auto& b : bands) raster(dir / (id + "." + b + ".tif"), x, 30, GDT_Int16);
    raster(dir / (id + ".SZA.tif"), x, 30);
    text_file(dir / (id + ".cmr.xml"));
}

// A terrain-corrected 2-band dB stack named by its product ID, bands described VV, VH.
void sentinel1_stack(const fs::path& dir, const std::string& yyyymmdd, double x) {
    const std::string id = "S1A_IW_GRDH_1SDV_" + yyyymmdd + "T001512_" + yyyymmdd + "T001537_038512_048B4E_1A2B";
    lssr::io::RasterSpec spec;
    spec.grid = lssr::test::utm_grid(24, 24, 10, x, 4200000.0);
    spec.bands = 2;
    spec.nodata = -9999;
    spec.descriptions = {"VV", "VH"};
    fs::create_directories(dir);
    lssr::io::write_raster((dir / (id + ".tif")).string(), spec, lssr::io::RasterBlock(2, 24, 24, -12.0f),
                           lssr::io::OutputOptions{});
}

std::vector<json> lines(const std::string& text) {
    std::vector<json> out;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line))
        if (!line.empty()) out.push_back(json::parse(line));
    return out;
}

const json* pair_with_lr(const std::vector<json>& pairs, const std::string& lr_prefix) {
    for (const auto& p : pairs)
        if (p["lr"]["id"].get<std::string>().rfind(lr_prefix, 0) == 0) return &p;
    return nullptr;
}

// The study area of most tests:
//   S2A L2A 2021-06-26 at A, S2B L2A 2021-07-20 at A, S1 stack 2021-06-25 at A,
//   LC08 2021-06-27 at A   -> S2A (-1 day) + S1
//   HLS L30 2021-07-27 at A -> S2B (-7 days, the inclusive limit), no S1 within 7 days of S2B
//   HLS S30 2021-07-28 at A -> nothing: 8 days after S2B
//   LC09 2021-06-26 at B    -> nothing: no S2 overlaps it
//   dem.tif                 -> a warning, not a failure
struct StudyArea {
    TempDir tmp;
    fs::path dir = tmp.path() / "in";
    StudyArea() {
        sentinel2_safe(dir, "S2A", "20210626", kA);
        sentinel2_safe(dir, "S2B", "20210720", kA);
        sentinel1_stack(dir, "20210625", kA);
        landsat_l2(dir, "LC08", "20210627", kA);
        hls(dir, "L30", "2021208", kA);
        hls(dir, "S30", "2021209", kA);
        landsat_l2(dir, "LC09", "20210626", kB);
        raster(dir / "dem.tif", kA, 30, GDT_Float32);
    }
};

}  // namespace

TEST_CASE("lssr-pair pairs exactly the right scenes of a folder", "[cli][pair]") {
    StudyArea area;
    const auto r = run_tool("lssr-pair", {area.dir.string(), "--with-s1"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    const auto pairs = lines(r.out);
    REQUIRE(pairs.size() == 2);

    const json* landsat = pair_with_lr(pairs, "LC08_L2SP_026031_20210627");
    REQUIRE(landsat);
    const json& lr = (*landsat)["lr"];
    CHECK(lr["id"] == "LC08_L2SP_026031_20210627_20210707_02_T1");
    CHECK(lr["sensor"] == "landsat8");
    CHECK(lr["level"] == "L2SP");
    CHECK(lr["date"] == "2021-06-27");
    CHECK(lr["datetime"].is_null());
    CHECK(lr["tile"] == "026031");
    CHECK(lr["paths"].size() == 8);  // SR_B1..7 and QA_PIXEL; ST_B10 and MTL.txt skipped
    CHECK(lr["bands"]["red"]["path"].get<std::string>().find("_SR_B4.TIF") != std::string::npos);
    CHECK(lr["bands"]["swir2"]["path"].get<std::string>().find("_SR_B7.TIF") != std::string::npos);
    CHECK(lr["bands"]["qa_pixel"]["path"].get<std::string>().find("_QA_PIXEL.TIF") != std::string::npos);
    CHECK(lr["bands"]["red"]["band"] == 1);
    CHECK(lr["bands"]["red"]["scale"].get<double>() == Approx(2.75e-5));
    CHECK(lr["bands"]["red"]["offset"].get<double>() == Approx(-0.2));
    CHECK(lr["bands"]["red"]["nodata"].get<double>() == 0.0);

    const json& hr = (*landsat)["hr"];
    CHECK(hr["id"] == "S2A_MSIL2A_20210626T170901_N0500_R069_T15TVG_20210626T212001");
    CHECK(hr["sensor"] == "sentinel2");
    CHECK(hr["level"] == "L2A");
    CHECK(hr["date"] == "2021-06-26");
    CHECK(hr["datetime"] == "2021-06-26T17:09:01Z");
    CHECK(hr["tile"] == "15TVG");
    CHECK(hr["bands"]["nir"]["path"].get<std::string>().find("R10m/T15TVG_20210626T170901_B08_10m.tif") !=
          std::string::npos);
    // B02 exists at 10 and 20 m: the 10 m file is the blue band.
    CHECK(hr["bands"]["blue"]["path"].get<std::string>().find("_B02_10m.tif") != std::string::npos);
    CHECK(hr["bands"]["swir1"]["path"].get<std::string>().find("_B11_20m.tif") != std::string::npos);
    CHECK(hr["bands"]["scl"]["path"].get<std::string>().find("_SCL_20m.tif") != std::string::npos);
    CHECK(hr["bands"]["red"]["offset"].get<double>() == Approx(-0.1));
    CHECK(hr["bands"].count("fmask") == 0);
    CHECK((*landsat)["delta_days"] == -1);
    CHECK((*landsat)["overlap"].get<double>() == Approx(1.0));
    CHECK((*landsat)["id"] == "T15TVG-20210627");
    REQUIRE((*landsat)["s1"].is_object());
    CHECK((*landsat)["s1"]["id"] == "S1A_IW_GRDH_1SDV_20210625T001512_20210625T001537_038512_048B4E_1A2B");
    CHECK((*landsat)["s1"]["bands"]["vv"]["band"] == 1);
    CHECK((*landsat)["s1"]["bands"]["vh"]["band"] == 2);

    const json* l30 = pair_with_lr(pairs, "HLS.L30.");
    REQUIRE(l30);
    CHECK((*l30)["lr"]["sensor"] == "hls-l30");
    CHECK((*l30)["lr"]["date"] == "2021-07-27");
    CHECK((*l30)["lr"]["bands"]["nir"]["path"].get<std::string>().find(".B05.tif") != std::string::npos);
    CHECK((*l30)["lr"]["bands"]["fmask"]["nodata"].get<double>() == 255.0);
    CHECK((*l30)["hr"]["id"].get<std::string>().rfind("S2B_MSIL2A_20210720", 0) == 0);
    CHECK((*l30)["delta_days"] == -7);
    CHECK((*l30)["s1"].is_null());  // the only S1 scene is 25 days from S2B

    // Nothing for the S30 granule 8 days away, nor for the Landsat scene elsewhere, and the
    // summary says why; the unparseable file is reported and skipped.
    CHECK(r.err.find("HLS.S30.T15TVG.2021209T165432.v2.0 (2021-07-28): no overlapping Sentinel-2 scene within 7 days") !=
          std::string::npos);
    CHECK(r.err.find("LC09_L2SP_026031_20210626_20210707_02_T1 (2021-06-26): no Sentinel-2 scene overlaps") !=
          std::string::npos);
    CHECK(r.err.find("lssr-pair: warning: " + (area.dir / "dem.tif").string() + ": cannot parse product name") !=
          std::string::npos);
    CHECK(r.err.find("MTL") == std::string::npos);
    CHECK(r.err.find("MSK_CLDPRB") == std::string::npos);
    CHECK(r.err.find("SZA") == std::string::npos);
    CHECK(r.err.find("2 pairs") != std::string::npos);
}

TEST_CASE("lssr-pair uses each Sentinel-2 scene once unless --reuse-hr", "[cli][pair]") {
    TempDir tmp;
    sentinel2_safe(tmp.path(), "S2A", "20210626", kA);
    landsat_l2(tmp.path(), "LC08", "20210627", kA);
    hls(tmp.path(), "S30", "2021177", kA);  // 2021-06-26, the same day as the S2 scene

    const auto once = run_tool("lssr-pair", {tmp.path().string()});
    REQUIRE(once.exit_code == 0);
    const auto one = lines(once.out);
    REQUIRE(one.size() == 1);
    CHECK(one[0]["lr"]["sensor"] == "hls-s30");
    CHECK(one[0]["lr"]["bands"]["nir"]["path"].get<std::string>().find(".B8A.tif") != std::string::npos);
    CHECK(once.err.find("paired with a closer scene") != std::string::npos);

    const auto shared = run_tool("lssr-pair", {tmp.path().string(), "--reuse-hr", "-q"});
    REQUIRE(shared.exit_code == 0);
    const auto two = lines(shared.out);
    REQUIRE(two.size() == 2);
    CHECK(two[0]["hr"]["id"] == two[1]["hr"]["id"]);
    CHECK(two[0]["id"] != two[1]["id"]);
    CHECK(shared.err.empty());  // -q: no summary

    const auto landsat = run_tool("lssr-pair", {"--lr", "landsat", tmp.path().string()});
    REQUIRE(landsat.exit_code == 0);
    const auto only = lines(landsat.out);
    REQUIRE(only.size() == 1);
    CHECK(only[0]["lr"]["sensor"] == "landsat8");
    CHECK(landsat.err.find("1 LR scene(s) of other sensors left out by --lr") != std::string::npos);

    CHECK(run_tool("lssr-pair", {tmp.path().string(), "--lr", "modis"}).exit_code == 2);
    const auto full = run_tool("lssr-pair", {tmp.path().string(), "--min-overlap", "1"});
    CHECK(full.exit_code == 2);
    CHECK(full.err.rfind("lssr-pair: error: --min-overlap", 0) == 0);
    CHECK(run_tool("lssr-pair", {tmp.path().string(), "--s1-max-days", "3"}).exit_code == 2);  // needs --with-s1
}

TEST_CASE("lssr-pair takes the date window from --max-days", "[cli][pair]") {
    StudyArea area;
    const auto r = run_tool("lssr-pair", {area.dir.string(), "--max-days", "6", "-q"});
    REQUIRE(r.exit_code == 0);
    const auto pairs = lines(r.out);
    REQUIRE(pairs.size() == 1);  // the L30 granule 7 days away drops out
    CHECK(pairs[0]["lr"]["sensor"] == "landsat8");
    CHECK(pairs[0]["s1"].is_null());  // no --with-s1
}

TEST_CASE("lssr-pair reads a list of files on stdin", "[cli][pair]") {
    StudyArea area;
    std::string list = "# every file of the study area\n";
    for (const auto& f : lssr::test::list_files(area.dir)) list += (area.dir / f).string() + "\n";
    const auto from_list = run_tool("lssr-pair", {"-", "--with-s1", "-q"}, list);
    INFO(from_list.err);
    REQUIRE(from_list.exit_code == 0);
    const auto from_folder = run_tool("lssr-pair", {area.dir.string(), "--with-s1", "-q"});
    CHECK(from_list.out == from_folder.out);
    CHECK(lines(from_list.out).size() == 2);
    // Files from a list are named inputs: an unparseable one is reported.
    CHECK(from_list.err.find("dem.tif: cannot parse product name") != std::string::npos);
}

TEST_CASE("lssr-pair -o writes the manifest atomically and refuses to replace one", "[cli][pair]") {
    StudyArea area;
    const std::string out = area.tmp.file("pairs.jsonl");
    const auto first = run_tool("lssr-pair", {area.dir.string(), "-o", out, "-q"});
    REQUIRE(first.exit_code == 0);
    CHECK(first.out.empty());
    CHECK(lines(read_text(out)).size() == 2);

    std::ofstream(out) << "keep me\n";
    const auto refused = run_tool("lssr-pair", {area.dir.string(), "-o", out});
    CHECK(refused.exit_code == 1);
    CHECK(refused.err.find("lssr-pair: error: " + out) != std::string::npos);
    CHECK(read_text(out) == "keep me\n");

    const auto replaced = run_tool("lssr-pair", {area.dir.string(), "-o", out, "--overwrite", "-q"});
    CHECK(replaced.exit_code == 0);
    CHECK(lines(read_text(out)).size() == 2);
    // No temporary files left beside it.
    CHECK(lssr::test::list_files(area.tmp.path() / "in").size() + 1 == lssr::test::list_files(area.tmp.path()).size());
}

TEST_CASE("lssr-pair: a missing input is an error naming it; bad names are warnings", "[cli][pair]") {
    StudyArea area;
    const std::string missing = area.tmp.file("no-such-folder");
    const auto r = run_tool("lssr-pair", {area.dir.string(), missing});
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("lssr-pair: error: " + missing) != std::string::npos);
    CHECK(r.out.empty());

    const std::string bad = area.tmp.file("HLS.S30.T52SCG.2019253.v1.5.hdf");
    std::ofstream(bad) << "old";
    const auto warned = run_tool("lssr-pair", {area.dir.string(), bad, "-q"});
    CHECK(warned.exit_code == 0);
    CHECK(warned.err.find("lssr-pair: warning: " + bad + ": cannot parse product name (HLS v1.5") !=
          std::string::npos);
    CHECK(lines(warned.out).size() == 2);
}
