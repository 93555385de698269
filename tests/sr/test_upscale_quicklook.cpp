// lssr-upscale --quicklook: the true-colour, false-colour and NDVI pictures of
// the output, beside one output (-o) or per scene (-O), never replacing files.
#include <catch2/catch.hpp>

#include <gdal_priv.h>

#include <filesystem>

#include "libio/gdal/gdal_dataset.hpp"
#include "support.hpp"

namespace fs = std::filesystem;
using namespace lssr;
using lssr::test::data_path;
using lssr::test::run_tool;
using lssr::test::TempDir;

namespace {

std::vector<std::string> tiny_model(std::vector<std::string> more) {
    std::vector<std::string> args{"--base-model", data_path("sd-tiny/base"), "--adapter", "none", "-q", "--threads", "2"};
    args.insert(args.end(), more.begin(), more.end());
    return args;
}

void check_png(const std::string& path, int width, int height) {
    INFO(path);
    REQUIRE(fs::exists(path));
    io::DatasetPtr ds = io::open_raster(path);
    CHECK(std::string(ds->GetDriver()->GetDescription()) == "PNG");
    CHECK(ds->GetRasterXSize() == width);
    CHECK(ds->GetRasterYSize() == height);
    CHECK(ds->GetRasterCount() == 4);
}

}  // namespace

TEST_CASE("lssr-upscale --quicklook writes the three pictures of the output", "[sr][upscale][cli][quicklook]") {
    TempDir tmp;
    const auto lr = data_path("sd-tiny/lr.tif");  // 64x64 -> 192x192
    const auto r = run_tool("lssr-upscale", tiny_model({lr, "-o", tmp.file("sr.tif"), "--quicklook", tmp.file("ql/sr")}));
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    for (const char* kind : {"truecolor", "falsecolor", "ndvi"}) check_png(tmp.file(std::string("ql/sr_") + kind + ".png"), 192, 192);

    // A picture that exists is refused before the work: exit 1, no output.
    const auto again = run_tool("lssr-upscale", tiny_model({lr, "-o", tmp.file("sr2.tif"), "--quicklook", tmp.file("ql/sr")}));
    CHECK(again.exit_code == 1);
    CHECK(again.err.find("sr_truecolor.png") != std::string::npos);
    CHECK_FALSE(fs::exists(tmp.file("sr2.tif")));

    // With -O each scene's pictures carry its output's name.
    const auto many = run_tool("lssr-upscale", tiny_model({lr, "-O", tmp.file("out"), "--quicklook", tmp.file("out/ql")}));
    INFO(many.err);
    REQUIRE(many.exit_code == 0);
    for (const char* kind : {"truecolor", "falsecolor", "ndvi"}) check_png(tmp.file(std::string("out/ql_lr_SR_") + kind + ".png"), 192, 192);
}
