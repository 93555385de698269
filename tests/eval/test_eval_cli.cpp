// lssr-eval as users run it: metrics JSON and CSV from files and folders, grid
// checks with exit 1, and refusing to replace outputs.
#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "support.hpp"

namespace fs = std::filesystem;
using namespace lssr;
using lssr::test::run_tool;
using lssr::test::read_text;
using lssr::test::TempDir;
using Catch::Detail::Approx;

namespace {

double texture(int b, int r, int c) { return 0.3 + 0.2 * std::sin(0.7 * r + 0.3 * b) * std::cos(0.45 * c) + 0.01 * b; }

// A six-band Float32 reflectance raster (bands in role order) at 10 m, or 30 m for LR.
void write_reflectance(const std::string& path, int size, double pixel, double offset = 0.0) {
    test::write_test_raster(path, test::utm_grid(size, size, pixel), 6, GDT_Float32,
                            [&](int b, int r, int c) { return texture(b, r, c) + offset; });
}

}  // namespace

TEST_CASE("lssr-eval: a constant offset and a block-replicated LR give the known metrics", "[cli][eval]") {
    TempDir dir;
    write_reflectance(dir.file("ref.tif"), 24, 10);
    write_reflectance(dir.file("pred.tif"), 24, 10, 0.05);
    // LR whose 3x3 blocks average to the prediction minus 0.01.
    {
        test::write_test_raster(dir.file("lr.tif"), test::utm_grid(8, 8, 30), 6, GDT_Float32, [&](int b, int r, int c) {
            double sum = 0;
            for (int i = 0; i < 3; ++i)
                for (int j = 0; j < 3; ++j) sum += texture(b, 3 * r + i, 3 * c + j) + 0.05;
            return sum / 9 - 0.01;
        });
    }
    const auto run = run_tool("lssr-eval", {dir.file("pred.tif"), dir.file("ref.tif"), "--lr", dir.file("lr.tif"),
                                            "--csv", dir.file("samples.csv"), "-q"});
    REQUIRE(run.exit_code == 0);
    const auto json = nlohmann::json::parse(run.out);
    CHECK(json["psnr_rgb"].get<double>() == Approx(-20 * std::log10(0.05)).margin(1e-3));
    CHECK(json["psnr_ir"].get<double>() == Approx(-20 * std::log10(0.05)).margin(1e-3));
    CHECK(json["ssim_rgb"].get<double>() < 1.0);
    CHECK(json["consistency_mae"].get<double>() == Approx(0.01).margin(1e-5));
    CHECK(json["samples"] == 1);
    const std::string csv = read_text(dir.file("samples.csv"));
    CHECK(csv.rfind("sample,psnr_rgb,ssim_rgb,psnr_ir,ssim_ir,sam_deg,ndvi_mse,consistency_mae\npred,", 0) == 0);
}

TEST_CASE("lssr-eval: identical images have SSIM 1 and an infinite PSNR written as null", "[cli][eval]") {
    TempDir dir;
    write_reflectance(dir.file("a.tif"), 12, 10);
    const auto run = run_tool("lssr-eval", {dir.file("a.tif"), dir.file("a.tif"), "-o", dir.file("m.json"),
                                            "--csv", dir.file("m.csv"), "-q"});
    REQUIRE(run.exit_code == 0);
    CHECK(run.out.empty());
    const auto json = nlohmann::json::parse(read_text(dir.file("m.json")));
    CHECK(json["psnr_rgb"].is_null());
    CHECK(json["ssim_rgb"].get<double>() == Approx(1.0).margin(1e-9));
    CHECK(json["sam_deg"].get<double>() == Approx(0.0).margin(1e-3));
    CHECK(json["consistency_mae"].is_null());  // no --lr
    CHECK(read_text(dir.file("m.csv")).find(",inf,") != std::string::npos);
    // Outputs are not replaced without --overwrite.
    const auto again = run_tool("lssr-eval", {dir.file("a.tif"), dir.file("a.tif"), "-o", dir.file("m.json"), "-q"});
    CHECK(again.exit_code == 1);
    CHECK(again.err.find("m.json") != std::string::npos);
    CHECK(run_tool("lssr-eval", {dir.file("a.tif"), dir.file("a.tif"), "-o", dir.file("m.json"), "--overwrite", "-q"})
              .exit_code == 0);
}

TEST_CASE("lssr-eval: grids that differ are an error naming both files", "[cli][eval]") {
    TempDir dir;
    write_reflectance(dir.file("ref.tif"), 12, 10);
    write_reflectance(dir.file("shifted.tif"), 12, 20);
    const auto run = run_tool("lssr-eval", {dir.file("shifted.tif"), dir.file("ref.tif"), "-q"});
    CHECK(run.exit_code == 1);
    CHECK(run.err.find("shifted.tif") != std::string::npos);
    CHECK(run.err.find("ref.tif") != std::string::npos);
    CHECK(run.out.empty());
    // An LR that is not the prediction's grid coarsened 3x.
    write_reflectance(dir.file("lr.tif"), 6, 30);
    const auto lr_run = run_tool("lssr-eval", {dir.file("ref.tif"), dir.file("ref.tif"), "--lr", dir.file("lr.tif")});
    CHECK(lr_run.exit_code == 1);
    CHECK(lr_run.err.find("lr.tif") != std::string::npos);
}

TEST_CASE("lssr-eval: folders are matched by sample name, unmatched files warned", "[cli][eval]") {
    TempDir dir;
    fs::create_directories(dir.path() / "pred");
    fs::create_directories(dir.path() / "ref");
    write_reflectance(dir.file("pred/a_SR.tif"), 12, 10, 0.1);
    write_reflectance(dir.file("pred/b_SR.tif"), 12, 10, 0.01);
    write_reflectance(dir.file("pred/c_SR.tif"), 12, 10);
    write_reflectance(dir.file("ref/a_S2.tif"), 12, 10);
    write_reflectance(dir.file("ref/a_L8.tif"), 4, 30);  // same sample, not the reference
    write_reflectance(dir.file("ref/b_S2.tif"), 12, 10);
    const auto run = run_tool("lssr-eval", {dir.file("pred"), dir.file("ref"), "--csv", dir.file("s.csv"), "-q"});
    REQUIRE(run.exit_code == 0);
    CHECK(run.err.find("c_SR.tif") != std::string::npos);
    const auto json = nlohmann::json::parse(run.out);
    CHECK(json["samples"] == 2);
    // Mean of per-sample PSNRs: 20 dB (offset 0.1) and 40 dB (offset 0.01).
    CHECK(json["psnr_rgb"].get<double>() == Approx(30.0).margin(1e-3));
    const std::string csv = read_text(dir.file("s.csv"));
    CHECK(csv.find("\na,") != std::string::npos);
    CHECK(csv.find("\nb,") != std::string::npos);
    CHECK(csv.find("\nc,") == std::string::npos);
}
