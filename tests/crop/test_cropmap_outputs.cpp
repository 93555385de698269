// cropmap-predict's outputs are all or nothing: every output is checked (exists,
// is an input, named twice) before any is written, and all are committed at the
// end; class maps in formats with sidecar files arrive whole.
#include <catch2/catch.hpp>

#include <gdal_priv.h>

#include <filesystem>
#include <fstream>

#include "crop_fixtures.hpp"
#include "libio/gdal/gdal_dataset.hpp"
#include "support.hpp"

namespace fs = std::filesystem;
using namespace lssr;
using test::read_text;
using test::run_tool;

namespace {

const io::Grid kGrid = test::utm_grid(60, 60, 10.0);

struct Area {
    test::TempDir dir;
    std::vector<std::string> images;
    std::string labels, model;
    Area() {
        images = {dir.file("HLS.L30.T15TVG.2021177T165432.v2.0.tif"), dir.file("HLS.L30.T15TVG.2021209T165432.v2.0.tif")};
        crop::test::ImageSpec june;
        june.seed = 21;
        crop::test::write_image(images[0], kGrid, june);
        crop::test::ImageSpec july;
        july.date = 1;
        july.seed = 22;
        crop::test::write_image(images[1], kGrid, july);
        labels = dir.file("labels.tif");
        crop::test::write_labels(labels, kGrid);
        model = dir.file("model.json");
        std::vector<std::string> args = {"-q", "--threads", "1", "--rounds", "5", "--samples-per-class", "300",
                                         "--labels", labels, "-o", model};
        args.insert(args.end(), images.begin(), images.end());
        const auto r = run_tool("cropmap-fit", args);
        INFO(r.err);
        REQUIRE(r.exit_code == 0);
    }
    test::RunResult predict(std::vector<std::string> args) const {
        args.insert(args.begin(), {"-q", "--threads", "1", "-m", model});
        args.insert(args.end(), images.begin(), images.end());
        return run_tool("cropmap-predict", args);
    }
    std::vector<std::string> files() const { return test::list_files(dir.path()); }
};

}  // namespace

TEST_CASE("cropmap-predict with --metrics and --confusion naming one file writes nothing (issue 10.7)",
          "[crop][cli][output-safety]") {
    Area area;
    const auto before = area.files();
    const auto r = area.predict({"-o", area.dir.file("r6.tif"), "-l", area.labels, "--metrics", area.dir.file("r6.x"),
                                 "--confusion", area.dir.file("r6.x")});
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("r6.x: is also another output") != std::string::npos);
    CHECK(area.files() == before);
}

TEST_CASE("cropmap-predict with --proba equal to -o writes nothing (issue 10.7)", "[crop][cli][output-safety]") {
    Area area;
    const auto before = area.files();
    for (const bool overwrite : {false, true}) {
        std::vector<std::string> args = {"-o", area.dir.file("r7.tif"), "--proba", area.dir.file("r7.tif")};
        if (overwrite) args.push_back("--overwrite");
        const auto r = area.predict(args);
        CHECK(r.exit_code == 2);
        CHECK(area.files() == before);
    }
}

TEST_CASE("cropmap-predict with an existing --confusion writes no class map and no metrics",
          "[crop][cli][output-safety]") {
    Area area;
    std::ofstream(area.dir.file("c.csv")) << "keep";
    const auto before = area.files();
    const auto r = area.predict({"-o", area.dir.file("map.tif"), "-l", area.labels, "--metrics",
                                 area.dir.file("m.json"), "--confusion", area.dir.file("c.csv")});
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("c.csv: already exists") != std::string::npos);
    CHECK(area.files() == before);
    CHECK(read_text(area.dir.file("c.csv")) == "keep");
}

TEST_CASE("cropmap-predict refuses outputs that are its inputs, even with --overwrite (issue 10.2)",
          "[crop][cli][output-safety]") {
    Area area;
    const std::string model = read_text(area.model), image = read_text(area.images[0]);
    auto r = area.predict({"-o", area.dir.file("map.tif"), "-l", area.labels, "--metrics", area.model, "--overwrite"});
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("is also an input") != std::string::npos);
    CHECK(read_text(area.model) == model);
    fs::create_hard_link(area.images[0], area.dir.file("hard.tif"));
    r = area.predict({"-o", area.dir.file("hard.tif"), "--overwrite"});
    CHECK(r.exit_code == 2);
    CHECK(read_text(area.images[0]) == image);
    r = area.predict({"-o", area.dir.file("map.tif"), "-l", area.labels, "--proba", area.labels, "--overwrite"});
    CHECK(r.exit_code == 2);
    CHECK(!fs::exists(area.dir.file("map.tif")));
}

TEST_CASE("cropmap-predict writes class maps GDAL opens in formats with sidecar files (issue 10.6)",
          "[crop][cli][output-safety]") {
    Area area;
    const auto reference = area.predict({"-o", area.dir.file("ref.tif")});
    REQUIRE(reference.exit_code == 0);
    const auto want = test::read_raster_file(area.dir.file("ref.tif"));
    for (const auto& [format, name] : std::vector<std::pair<std::string, std::string>>{
             {"ENVI", "map.bil"}, {"EHdr", "map.bil"}, {"HFA", "map.img"}, {"PNG", "map.png"}, {"COG", "map.tif"}}) {
        INFO(format);
        const fs::path sub = area.dir.path() / format;
        fs::create_directories(sub);
        const std::string out = (sub / name).string();
        const std::string proba = (sub / ("proba-" + name)).string();
        const bool with_proba = format != "PNG";  // PNG holds no Float32
        std::vector<std::string> args = {"-o", out, "-of", format};
        if (with_proba) args.insert(args.end(), {"--proba", proba});
        const auto r = area.predict(args);
        INFO(r.err);
        REQUIRE(r.exit_code == 0);
        for (const std::string& path : with_proba ? std::vector<std::string>{out, proba} : std::vector<std::string>{out}) {
            INFO(path);
            const auto got = test::read_raster_file(path);
            CHECK(got.grid.width == want.grid.width);
            for (int i = 0; i < 6; ++i) CHECK(got.grid.transform[i] == Approx(want.grid.transform[i]));
            OGRSpatialReference a, b;
            REQUIRE(!got.grid.crs_wkt.empty());
            a.SetFromUserInput(got.grid.crs_wkt.c_str());
            b.SetFromUserInput(want.grid.crs_wkt.c_str());
            CHECK(a.IsSame(&b));
        }
        CHECK(test::read_raster_file(out).values.data == want.values.data);
        for (const auto& f : test::list_files(sub)) CHECK(f.find("lssr-tmp") == std::string::npos);
    }
}
