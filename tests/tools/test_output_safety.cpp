// Nothing lost, nothing silently wrong: outputs never replace inputs, folder
// outputs never delete files the suite did not write, and rasters in formats
// with sidecar files (.hdr, .prj, .aux.xml) arrive whole under their final name.
#include <catch2/catch.hpp>

#include <gdal_priv.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "libio/core/errors.hpp"
#include "libio/gdal/gdal_dataset.hpp"
#include "libio/gdal/raster.hpp"
#include "libio/gdal/staged_output.hpp"
#include "support.hpp"
#include "tile_fixture.hpp"

namespace fs = std::filesystem;
using namespace lssr;
using lssr::test::list_files;
using lssr::test::read_text;
using lssr::test::run_tool;
using lssr::test::TempDir;

namespace {

const io::Grid kGrid = lssr::test::utm_grid(40, 30, 30.0);

void write_scene(const std::string& path) {
    lssr::test::write_test_raster(path, kGrid, 1, GDT_UInt16, [](int, int r, int c) { return 100 + 3 * r + c; });
}

bool has_temporary(const fs::path& dir) {
    for (const auto& f : list_files(dir))
        if (f.find("lssr-tmp") != std::string::npos) return true;
    return false;
}

// The raster opens in GDAL with the grid (CRS and geotransform) it was written with.
void check_opens_with_grid(const std::string& path, const io::Grid& want) {
    CPLPushErrorHandler(CPLQuietErrorHandler);
    GDALDatasetH h = GDALOpenEx(path.c_str(), GDAL_OF_RASTER | GDAL_OF_READONLY, nullptr, nullptr, nullptr);
    CPLPopErrorHandler();
    INFO(path);
    REQUIRE(h != nullptr);
    GDALClose(h);
    auto ds = io::open_raster(path);
    const io::Grid got = io::grid_of(*ds, path);
    CHECK(got.width == want.width);
    CHECK(got.height == want.height);
    for (int i = 0; i < 6; ++i) CHECK(got.transform[i] == Approx(want.transform[i]));
    OGRSpatialReference a, b;
    REQUIRE(!got.crs_wkt.empty());
    a.SetFromUserInput(got.crs_wkt.c_str());
    b.SetFromUserInput(want.crs_wkt.c_str());
    CHECK(a.IsSame(&b));
}

// The main file of each format as GDAL names it.
const std::vector<std::pair<std::string, std::string>> kFormats = {
    {"GTiff", "out.tif"}, {"COG", "out.tif"}, {"ENVI", "out.bil"},
    {"EHdr", "out.bil"},  {"HFA", "out.img"}, {"PNG", "out.png"}};

}  // namespace

TEST_CASE("check_outputs_apart refuses outputs that are, contain or sit in inputs", "[output-safety]") {
    TempDir dir;
    const std::string in = dir.file("in.tif");
    std::ofstream(in) << "input";
    fs::create_directories(dir.path() / "folder");
    std::ofstream(dir.file("folder/a.tif")) << "a";

    auto refused = [](const std::vector<std::string>& outs, const std::vector<std::string>& ins,
                      const std::string& words) {
        try {
            io::check_outputs_apart(outs, ins);
        } catch (const OptionError& e) {
            INFO(e.what());
            CHECK(std::string(e.what()).find(words) != std::string::npos);
            return true;
        }
        return false;
    };
    CHECK(refused({in}, {in}, "is also an input"));
    CHECK(refused({(dir.path() / "folder" / ".." / "in.tif").string()}, {in}, "is also an input"));
    CHECK(refused({dir.file("folder")}, {dir.file("folder/a.tif")}, "contains the input"));
    CHECK(refused({dir.file("folder/b.tif")}, {dir.file("folder")}, "is inside the input folder"));
    CHECK(refused({dir.file("x.tif"), dir.file("y.tif"), dir.file("x.tif")}, {}, "is also another output"));
    CHECK(refused({"/vsimem/a.tif"}, {"/vsimem/a.tif"}, "is also an input"));

    SECTION("a symlink or a hard link to an input is the input") {
        fs::create_symlink(in, dir.file("link.tif"));
        CHECK(refused({dir.file("link.tif")}, {in}, "is also an input"));
        fs::create_hard_link(in, dir.file("hard.tif"));
        CHECK(refused({dir.file("hard.tif")}, {in}, "is also an input"));
        CHECK(refused({dir.file("o.tif"), dir.file("hard.tif")}, {}, "") == false);
        fs::create_directory_symlink(dir.path() / "folder", dir.file("folder-link"));
        CHECK(refused({dir.file("folder-link")}, {dir.file("folder/a.tif")}, "contains the input"));
    }
    SECTION("distinct paths, stdout and an output beside an input pass") {
        CHECK_NOTHROW(io::check_outputs_apart({dir.file("out.tif"), "-", ""}, {in, "-", ""}));
        CHECK_NOTHROW(io::check_outputs_apart({dir.file("folder/b.tif")}, {dir.file("folder")}, true));
        CHECK_NOTHROW(io::check_outputs_apart({dir.file("in.tif.json")}, {in}));
    }
}

TEST_CASE("lssr-tile --scene -O onto the input's folder with --overwrite deletes nothing (issue 10.1)",
          "[output-safety][cli]") {
    TempDir dir;
    const fs::path s = dir.path() / "s";
    fs::create_directories(s);
    write_scene((s / "a.tif").string());
    std::ofstream(s / "notes.txt") << "mine";
    const std::string scene_bytes = read_text(s / "a.tif");

    auto r = run_tool("lssr-tile", {"--scene", (s / "a.tif").string(), "-O", s.string(), "--overwrite", "-q",
                                    "--tile", "16", "--overlap", "4"});
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("contains the input") != std::string::npos);
    CHECK(read_text(s / "a.tif") == scene_bytes);
    CHECK(read_text(s / "notes.txt") == "mine");

    // A folder holding files of the user's, not an input, is not replaced either.
    const fs::path other = dir.path() / "other";
    fs::create_directories(other);
    std::ofstream(other / "notes.txt") << "mine";
    write_scene(dir.file("b.tif"));
    const std::vector<std::string> cut = {"--scene", dir.file("b.tif"), "-O", other.string(), "--overwrite",
                                          "-q", "--tile", "16", "--overlap", "4"};
    r = run_tool("lssr-tile", cut);
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("not replaced") != std::string::npos);
    CHECK(read_text(other / "notes.txt") == "mine");
    CHECK(list_files(other) == std::vector<std::string>{"notes.txt"});
    CHECK(!has_temporary(dir.path()));

    // A folder lssr-tile wrote is replaced; once the user adds a file to it, it is not.
    fs::remove(other / "notes.txt");
    REQUIRE(run_tool("lssr-tile", cut).exit_code == 0);
    CHECK(fs::exists(other / "index.jsonl"));
    CHECK(fs::exists(other / io::kOutputMarker));
    REQUIRE(run_tool("lssr-tile", cut).exit_code == 0);
    std::ofstream(other / "notes.txt") << "mine";
    r = run_tool("lssr-tile", cut);
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("notes.txt") != std::string::npos);
    CHECK(read_text(other / "notes.txt") == "mine");
    CHECK(fs::exists(other / "index.jsonl"));
    // ... nor is a folder another tool wrote.
    fs::remove(other / "notes.txt");
    r = run_tool("lssr-synth", {"-O", other.string(), "--dates", "2021-07-28", "--size", "1", "--overwrite", "-q"});
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("written by lssr-tile") != std::string::npos);
    CHECK(fs::exists(other / "index.jsonl"));
}

TEST_CASE("lssr-tile -O naming its own manifest keeps the manifest (issue 10.1)", "[output-safety][cli]") {
    TempDir dir;
    const auto files = lssr::test::tile::make_pair(dir);
    const std::string manifest = read_text(files.manifest);
    REQUIRE(!manifest.empty());
    const auto r = run_tool("lssr-tile", {files.manifest, "--dem", files.dem, "--landcover", files.landcover, "-O",
                                          files.manifest, "--patch", "16", "--overwrite", "-q"});
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("is also an input") != std::string::npos);
    REQUIRE(fs::is_regular_file(files.manifest));
    CHECK(read_text(files.manifest) == manifest);
}

TEST_CASE("lssr-eval -o naming an input, directly or through links, is refused (issue 10.2)",
          "[output-safety][cli]") {
    TempDir dir;
    const std::string x = dir.file("x.tif");
    write_scene(x);
    const std::string bytes = read_text(x);
    fs::create_symlink(x, dir.file("link.tif"));
    fs::create_hard_link(x, dir.file("hard.tif"));
    for (const std::string& out : {x, dir.file("link.tif"), dir.file("hard.tif")}) {
        INFO(out);
        const auto r = run_tool("lssr-eval", {x, x, "-o", out, "--overwrite", "-q"});
        CHECK(r.exit_code == 2);
        CHECK(r.err.find("is also an input") != std::string::npos);
        CHECK(read_text(x) == bytes);
    }
    const auto r = run_tool("lssr-eval", {x, x, "--csv", x, "-q", "--overwrite"});
    CHECK(r.exit_code == 2);
    CHECK(read_text(x) == bytes);
}

TEST_CASE("lssr-tile --stitch -o onto one of its tiles is refused (issue 10.2)", "[output-safety][cli]") {
    TempDir dir;
    write_scene(dir.file("scene.tif"));
    REQUIRE(run_tool("lssr-tile", {"--scene", dir.file("scene.tif"), "-O", dir.file("tiles"), "-q", "--tile", "16",
                                   "--overlap", "4"})
                .exit_code == 0);
    std::string tile;
    for (const auto& f : list_files(dir.path() / "tiles"))
        if (tile.empty() && fs::path(f).extension() == ".tif") tile = (dir.path() / "tiles" / f).string();
    REQUIRE(!tile.empty());
    const std::string before = read_text(tile);
    const auto r = run_tool("lssr-tile", {"--stitch", dir.file("tiles/index.jsonl"), "-o", tile, "--overwrite", "-q"});
    CHECK(r.exit_code == 2);
    CHECK(read_text(tile) == before);
}

TEST_CASE("RasterWriter writes formats with sidecar files whole under the final name (issue 10.6)",
          "[output-safety]") {
    for (const auto& [format, name] : kFormats) {
        DYNAMIC_SECTION(format) {
            TempDir dir;
            const std::string path = dir.file(name);
            io::RasterSpec spec;
            spec.grid = kGrid;
            spec.type = GDT_Byte;
            io::RasterBlock block(1, kGrid.width, kGrid.height, 7.0f);
            io::OutputOptions options;
            options.format = format;
            io::write_raster(path, spec, block, options);
            check_opens_with_grid(path, kGrid);
            CHECK(!has_temporary(dir.path()));
            // Replacing it keeps it whole, and leaves no temporary either.
            options.overwrite = true;
            io::write_raster(path, spec, block, options);
            check_opens_with_grid(path, kGrid);
            CHECK(!has_temporary(dir.path()));
        }
    }
}

TEST_CASE("A raster write that does not finish leaves nothing", "[output-safety]") {
    TempDir dir;
    for (const auto& [format, name] : kFormats) {
        io::RasterSpec spec;
        spec.grid = kGrid;
        spec.type = GDT_Byte;
        io::OutputOptions options;
        options.format = format;
        {
            io::RasterWriter writer(dir.file(name), spec, options);
            writer.write(io::RasterBlock(1, kGrid.width, kGrid.height, 1.0f), io::Window{0, 0, kGrid.width, kGrid.height});
        }  // dropped, as when an error unwinds
        INFO(format);
        CHECK(list_files(dir.path()).empty());
    }
}

TEST_CASE("lssr-tile --stitch -of ENVI/EHdr/HFA/PNG/COG writes a mosaic GDAL opens (issue 10.6)",
          "[output-safety][cli]") {
    TempDir dir;
    write_scene(dir.file("scene.tif"));
    REQUIRE(run_tool("lssr-tile", {"--scene", dir.file("scene.tif"), "-O", dir.file("tiles"), "-q", "--tile", "16",
                                   "--overlap", "4"})
                .exit_code == 0);
    fs::create_directories(dir.path() / "out");
    for (const auto& [format, name] : kFormats) {
        INFO(format);
        const std::string out = (dir.path() / "out" / (format + "-" + name)).string();
        const auto r = run_tool("lssr-tile", {"--stitch", dir.file("tiles/index.jsonl"), "-o", out, "-of", format, "-q"});
        INFO(r.err);
        REQUIRE(r.exit_code == 0);
        check_opens_with_grid(out, kGrid);
        CHECK(lssr::test::read_raster_file(out).values.data ==
              lssr::test::read_raster_file(dir.file("scene.tif")).values.data);
    }
    CHECK(!has_temporary(dir.path()));
}
