// A dataset cut by lssr-tile --self-pairs from a 30 m scene alone is one that
// lssr-train reads and trains on, as it is: the layout is dataset mode's.
#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>

#include "libsr/model/base_model.hpp"
#include "support.hpp"

namespace fs = std::filesystem;
using namespace lssr;
using lssr::test::data_path;
using lssr::test::run_tool;
using lssr::test::TempDir;

TEST_CASE("lssr-train trains on a --self-pairs dataset", "[self-pairs][train]") {
    TempDir tmp;
    // 96 x 96 scene pixels: a 32 x 32 LR grid, four 16 x 16 LR patches; reflectance with one nodata pixel.
    const std::string scene = tmp.file("LC08_L2SP_026031_20210701_20210708_02_T1.tif");
    lssr::test::write_test_raster(
        scene, lssr::test::utm_grid(96, 96, 30.0), 6, GDT_Float32,
        [](int b, int r, int c) {
            return r == 50 && c == 50 ? -9999.0 : 0.05 * (b + 1) + 0.1 * std::sin(r * 0.3) * std::cos(c * 0.2);
        },
        -9999.0);
    const auto cut = run_tool("lssr-tile", {"--self-pairs", scene, "-O", tmp.file("data"), "--patch", "16",
                                            "--test-fraction", "0", "--max-nodata", "0.01", "-q"});
    INFO(cut.err);
    REQUIRE(cut.exit_code == 0);
    REQUIRE(fs::exists(tmp.file("data/train/LC08-L2SP-026031-20210701-20210708-02-T1-r000-c000_20210701_L8.tif")));

    const auto base = tmp.file("base");
    auto model = sr::new_base_model(data_path("train-tiny"), 3);
    sr::save_base_model(model, sr::read_base_model_configs(data_path("train-tiny")), base);
    const auto train = run_tool("lssr-train", {"--base-model", base, tmp.file("data"), "-o", tmp.file("run"),
                                               "--steps", "2", "--knowledge-dim", "8", "--sar-dim", "8",
                                               "--sar-heads", "2", "--sar-layers", "1", "--lora-rank", "2", "-q"});
    INFO(train.err);
    CHECK(train.exit_code == 0);
    CHECK(fs::exists(tmp.file("run/model.safetensors")));
    std::ifstream log(tmp.file("run/log.jsonl"));
    int lines = 0;
    for (std::string line; std::getline(log, line);) lines += !line.empty();
    CHECK(lines == 2);
}
