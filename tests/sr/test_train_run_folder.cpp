// lssr-train after an early failure leaves nothing that blocks the same command
// run again (never removing what it did not make), and trains on an lssr-tile
// dataset cut without Sentinel-1 (a missing modality).
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "libio/tiling/training_dataset.hpp"
#include "libsr/model/base_model.hpp"
#include "libsr/train/train_data.hpp"
#include "libsr/train/trainer.hpp"
#include "support.hpp"
#include "tile_fixture.hpp"
#include "train_fixture.hpp"

namespace fs = std::filesystem;
using namespace lssr;
using lssr::test::data_path;
using lssr::test::run_tool;
using lssr::test::TempDir;

namespace {

std::string tiny_base(const TempDir& tmp) {
    const auto dir = tmp.file("base");
    auto base = sr::new_base_model(data_path("train-tiny"), 3);
    sr::save_base_model(base, sr::read_base_model_configs(data_path("train-tiny")), dir);
    return dir;
}

std::vector<std::string> train_args(const std::string& base, const std::string& data, const std::string& run) {
    return {"--base-model", base, data, "-o", run, "--steps", "1", "--batch", "2", "--knowledge-dim", "8",
            "--sar-dim", "8", "--sar-heads", "2", "--sar-layers", "1", "--lora-rank", "2", "-q"};
}

}  // namespace

TEST_CASE("lssr-train failing before its first checkpoint can be rerun as it was", "[train][run-folder]") {
    TempDir tmp;
    const std::string data = tmp.file("data");
    lssr::test::make_train_dataset(data, 2, 0, 16, 6);
    const auto base = tiny_base(tmp);
    const std::string run = tmp.file("run");
    // A broken sample: an HR patch of the wrong size, found when the first batch is read
    // (after the run folder and log.jsonl were made).
    const std::string hr = data + "/train/s1_20210702_S2.tif";
    REQUIRE(fs::exists(hr));
    fs::copy_file(hr, tmp.file("good_S2.tif"));
    fs::remove(hr);
    lssr::test::write_test_raster(hr, lssr::test::utm_grid(10, 10, 10.0), 6, GDT_Float32,
                                  [](int, int, int) { return 0.1; });
    SECTION("a run folder it made is removed") {
        const auto failed = run_tool("lssr-train", train_args(base, data, run));
        INFO(failed.err);
        REQUIRE(failed.exit_code == 1);
        CHECK(failed.err.find("s1_20210702_S2.tif") != std::string::npos);
        CHECK_FALSE(fs::exists(run));
    }
    SECTION("in a folder that was there, only what the run added goes") {
        fs::create_directories(run);
        std::ofstream(run + "/notes.txt") << "mine\n";
        const auto failed = run_tool("lssr-train", train_args(base, data, run));
        INFO(failed.err);
        REQUIRE(failed.exit_code == 1);
        CHECK(lssr::test::read_text(run + "/notes.txt") == "mine\n");
        CHECK(lssr::test::list_files(run) == std::vector<std::string>{"notes.txt"});
    }
    // The data fixed, the very same command runs.
    fs::copy_file(tmp.file("good_S2.tif"), hr, fs::copy_options::overwrite_existing);
    const auto again = run_tool("lssr-train", train_args(base, data, run));
    INFO(again.err);
    CHECK(again.exit_code == 0);
    CHECK(fs::exists(run + "/model.safetensors"));
}

TEST_CASE("lssr-train never removes a run it did not start, even when it fails early", "[train][run-folder]") {
    TempDir tmp;
    const std::string data = tmp.file("data");
    lssr::test::make_train_dataset(data, 2, 0, 16, 6);
    const auto base = tiny_base(tmp);
    const std::string run = tmp.file("run");
    REQUIRE(run_tool("lssr-train", train_args(base, data, run)).exit_code == 0);
    const auto before = lssr::test::list_files(run);
    // Refused (holds a run), and with --overwrite failing on a broken sample: the old run stays.
    CHECK(run_tool("lssr-train", train_args(base, data, run)).exit_code == 2);
    fs::remove(data + "/train/s0_20210701_S2.tif");
    lssr::test::write_test_raster(data + "/train/s0_20210701_S2.tif", lssr::test::utm_grid(10, 10, 10.0), 6,
                                  GDT_Float32, [](int, int, int) { return 0.1; });
    auto overwrite = train_args(base, data, run);
    overwrite.push_back("--overwrite");
    CHECK(run_tool("lssr-train", overwrite).exit_code == 1);
    CHECK(lssr::test::list_files(run) == before);
}

TEST_CASE("lssr-train trains on an lssr-tile dataset cut without Sentinel-1", "[train][s1]") {
    namespace fx = lssr::test::tile;
    TempDir tmp;
    auto f = fx::make_pair(tmp);
    f.pair.s1.reset();
    fx::write_manifest(f.manifest, {f.pair});
    io::DatasetOptions d;
    d.manifest = f.manifest;
    d.dem = f.dem;
    d.landcover = f.landcover;
    d.out_dir = tmp.file("dataset");
    d.patch = fx::kPatch;
    d.test_fraction = 0.0;  // test/ stays empty: validation is skipped, not an error
    REQUIRE(io::build_dataset(d).kept > 0);

    const auto samples = sr::scan_dataset({d.out_dir}, "train");
    REQUIRE_FALSE(samples.empty());
    CHECK(samples.front().s1.empty());
    const auto sample = sr::load_sample(samples.front());
    CHECK_FALSE(sample.s1.defined());  // a missing modality
    CHECK(sample.dem.defined());

    const auto r = run_tool("lssr-train", train_args(tiny_base(tmp), d.out_dir, tmp.file("run")));
    INFO(r.err);
    CHECK(r.exit_code == 0);
    CHECK(fs::exists(tmp.file("run/model.safetensors")));
}
