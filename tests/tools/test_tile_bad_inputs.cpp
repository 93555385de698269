// Bad inputs of lssr-tile and its neighbours that used to pass silently: a
// stitched tile off the mosaic's grid, manifest fields of the wrong type, a
// NUL-separated stdin list, and --tile 0's message.
#include <catch2/catch.hpp>

#include <gdal_priv.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "libio/core/errors.hpp"
#include "libio/gdal/gdal_dataset.hpp"
#include "libio/products/scene.hpp"
#include "support.hpp"
#include "tile_fixture.hpp"

namespace fs = std::filesystem;
using namespace lssr;
using namespace lssr::io;
using lssr::test::run_tool;
using lssr::test::TempDir;
namespace fx = lssr::test::tile;

namespace {

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

int count_lines(const std::string& text) {
    int n = 0;
    for (char c : text) n += c == '\n';
    return n;
}

// Moves a tile's georeferencing by (dx, dy) of its pixels.
void shift_tile(const std::string& path, double dx, double dy) {
    DatasetPtr ds(GDALDataset::FromHandle(GDALOpen(path.c_str(), GA_Update)));
    REQUIRE(ds);
    double t[6];
    REQUIRE(ds->GetGeoTransform(t) == CE_None);
    t[0] += dx * t[1];
    t[3] += dy * t[5];
    REQUIRE(ds->SetGeoTransform(t) == CE_None);
}

// The message of the InputError a manifest line raises ("" when it parses).
std::string manifest_error(const nlohmann::json& line) {
    try {
        pair_from_json(line, "pairs.jsonl:1");
    } catch (const InputError& e) {
        return e.what();
    }
    return "";
}

}  // namespace

TEST_CASE("lssr-tile --stitch refuses a tile moved off its place instead of leaving a hole",
          "[cli][tile][stitch][errors]") {
    TempDir dir;
    const std::string scene = dir.file("scene.tif");
    test::write_test_raster(scene, test::utm_grid(72, 48, 30.0, 500010.0, 4200000.0), 1, GDT_Int16,
                            [](int, int r, int c) { return 100 + r + c; }, -9999.0);
    REQUIRE(run_tool("lssr-tile", {"--scene", scene, "-O", dir.file("tiles"), "--tile", "24", "--overlap", "0", "-q"})
                .exit_code == 0);
    const std::string moved = dir.file("tiles/scene_r001_c001.tif");
    REQUIRE(fs::exists(moved));
    SECTION("onto its neighbour's place (still on the pixel lattice)") { shift_tile(moved, 24, 0); }
    SECTION("outside the mosaic") { shift_tile(moved, 1000, -500); }
    SECTION("by a few whole pixels") { shift_tile(moved, 3, 2); }
    const auto r = run_tool("lssr-tile", {"--stitch", dir.file("tiles/index.jsonl"), "-o", dir.file("m.tif"), "-q"});
    INFO(r.err);
    CHECK(r.exit_code == 1);
    CHECK(count_lines(r.err) == 1);
    CHECK(has(r.err, moved + ": not on the mosaic's grid"));
    CHECK_FALSE(fs::exists(dir.file("m.tif")));
}

TEST_CASE("manifest fields of the wrong type are refused like 'band' is, naming the field",
          "[tile][manifest][errors]") {
    TempDir dir;
    const auto f = fx::make_pair(dir);
    const nlohmann::json good = to_json(f.pair);
    REQUIRE(manifest_error(good).empty());
    struct Case {
        const char* field;
        nlohmann::json value;
        bool in_band;
    };
    const std::vector<Case> cases{{"scale", "x", true},       {"offset", "0.1", true}, {"nodata", "none", true},
                                  {"band", "1", true},        {"band", 1.5, true},     {"overlap", "0.9", false},
                                  {"delta_days", "2", false}, {"delta_days", 1.5, false}};
    for (const auto& c : cases) {
        nlohmann::json line = good;
        if (c.in_band)
            line["lr"]["bands"]["red"][c.field] = c.value;
        else
            line[c.field] = c.value;
        const std::string message = manifest_error(line);
        INFO(c.field << " = " << c.value.dump() << ": " << message);
        CHECK(has(message, "pairs.jsonl:1"));
        CHECK(has(message, std::string("field '") + c.field + "'"));
    }
    // Optional fields may still be null or absent.
    nlohmann::json line = good;
    line["lr"]["bands"]["red"]["nodata"] = nullptr;
    line["lr"]["bands"]["red"].erase("scale");
    line.erase("overlap");
    CHECK(manifest_error(line).empty());
    // A scene's paths must be strings too.
    line["hr"]["paths"] = nlohmann::json::array({1, 2});
    CHECK(has(manifest_error(line), "field 'paths'"));

    // And lssr-tile says so with one line, writing nothing.
    nlohmann::json bad = good;
    bad["hr"]["bands"]["nir"]["scale"] = "x";
    std::ofstream(f.manifest) << bad.dump() << "\n";
    const auto r = run_tool("lssr-tile", {f.manifest, "--dem", f.dem, "--landcover", f.landcover, "-O",
                                          dir.file("ds"), "--patch", "16", "-q"});
    CHECK(r.exit_code == 1);
    CHECK(count_lines(r.err) == 1);
    CHECK(has(r.err, f.manifest + ":1 hr (band nir): field 'scale' must be a number"));
    CHECK_FALSE(fs::exists(dir.file("ds")));
}

TEST_CASE("a stdin list holding NUL bytes is refused, not cut at its first path", "[cli][stdin][errors]") {
    TempDir dir;
    std::string list;
    for (const char* name : {"a.tif", "b.tif", "c.tif"}) {
        test::write_test_raster(dir.file(name), test::utm_grid(4, 4, 30.0), 1, GDT_Byte, [](int, int, int) { return 1; });
        list += dir.file(name);
        list.push_back('\0');
    }
    const auto r = run_tool("lssr-pair", {"-", "-q"}, list);
    INFO(r.err);
    CHECK(r.exit_code == 1);
    CHECK(count_lines(r.err) == 1);
    CHECK(has(r.err, "<stdin>:1: the input list holds NUL bytes"));
}

TEST_CASE("lssr-tile and lssr-upscale refuse --tile 0 with a short message", "[cli][tile][errors]") {
    TempDir dir;
    const std::string scene = dir.file("scene.tif");
    test::write_test_raster(scene, test::utm_grid(8, 8, 30.0), 1, GDT_Byte, [](int, int, int) { return 1; });
    for (const auto& [tool, args] : std::vector<std::pair<std::string, std::vector<std::string>>>{
             {"lssr-tile", {"--scene", scene, "-O", dir.file("tiles"), "--tile", "0"}},
             {"lssr-upscale", {scene, "-o", dir.file("sr.tif"), "--tile", "0"}},
             {"lssr-upscale", {scene, "-o", dir.file("sr.tif"), "--tile", "-3"}}}) {
        if (!lssr::test::kTools.count(tool)) continue;  // a build without LibTorch has no lssr-upscale
        const auto r = run_tool(tool, args);
        INFO(tool << ": " << r.err);
        CHECK(r.exit_code == 2);
        const std::string first = r.err.substr(0, r.err.find('\n'));
        CHECK(has(first, "--tile"));
        CHECK(first.size() < 120);  // no 309-digit bound
        CHECK_FALSE(fs::exists(dir.file("tiles")));
    }
}
