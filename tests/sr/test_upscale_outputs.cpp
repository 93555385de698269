// lssr-upscale never writes over its inputs, and writes formats with sidecar
// files (ENVI and EHdr .hdr, .prj, .aux.xml) whole under the final name (issue 10).
#include <catch2/catch.hpp>

#include <gdal_priv.h>

#include <filesystem>
#include <tuple>

#include "libio/gdal/gdal_dataset.hpp"
#include "libio/gdal/raster.hpp"
#include "support.hpp"

namespace fs = std::filesystem;
using namespace lssr;
using lssr::test::data_path;
using lssr::test::read_text;
using lssr::test::run_tool;
using lssr::test::TempDir;

namespace {

std::vector<std::string> upscale_args(std::vector<std::string> more) {
    std::vector<std::string> args = {"--base-model", data_path("sd-tiny/base"), "--adapter", "none", "-q",
                                     "--threads", "2"};
    args.insert(args.end(), more.begin(), more.end());
    return args;
}

}  // namespace

TEST_CASE("lssr-upscale -o naming its input, or a link to it, is refused with --overwrite", "[sr][upscale][cli]") {
    TempDir dir;
    const std::string x = dir.file("x.tif");
    fs::copy_file(data_path("sd-tiny/lr.tif"), x);
    const std::string bytes = read_text(x);
    fs::create_symlink(x, dir.file("link.tif"));
    for (const std::string& out : {x, dir.file("link.tif"), dir.file("./x.tif")}) {
        INFO(out);
        const auto r = run_tool("lssr-upscale", upscale_args({x, "-o", out, "--overwrite"}));
        CHECK(r.exit_code == 2);
        CHECK(r.err.find("is also an input") != std::string::npos);
        CHECK(read_text(x) == bytes);
    }
}

TEST_CASE("lssr-upscale -of ENVI and EHdr write rasters GDAL opens with their CRS", "[sr][upscale][cli]") {
    TempDir dir;
    const auto in = test::read_raster_file(data_path("sd-tiny/lr.tif"));
    OGRSpatialReference want;
    want.SetFromUserInput(in.grid.crs_wkt.c_str());
    for (const auto& [format, name, type] : std::vector<std::tuple<std::string, std::string, std::string>>{
             {"ENVI", "sr.bil", "Int16"}, {"EHdr", "sr.bil", "Int16"}}) {
        INFO(format);
        const fs::path sub = dir.path() / format;
        fs::create_directories(sub);
        const std::string out = (sub / name).string();
        const auto r = run_tool("lssr-upscale", upscale_args({data_path("sd-tiny/lr.tif"), "-o", out, "-of", format,
                                                              "-ot", type}));
        INFO(r.err);
        REQUIRE(r.exit_code == 0);
        const auto got = test::read_raster_file(out);
        CHECK(got.grid.width == 3 * in.grid.width);
        CHECK(got.grid.transform[0] == Approx(in.grid.transform[0]));
        CHECK(got.grid.transform[1] == Approx(in.grid.transform[1] / 3));
        REQUIRE(!got.grid.crs_wkt.empty());
        OGRSpatialReference srs;
        srs.SetFromUserInput(got.grid.crs_wkt.c_str());
        CHECK(srs.IsSame(&want));
        for (const auto& f : test::list_files(sub)) CHECK(f.find("lssr-tmp") == std::string::npos);
    }
}
