// TrainOptions::validate refuses every option set that cannot make a run with
// a usage error (OptionError, exit 2 from lssr-train), and the stage default
// learning rate is one value that the library trains with and --help states.
#include <catch2/catch.hpp>

#include <regex>
#include <string>

#include "libio/core/errors.hpp"
#include "libsr/train/trainer.hpp"
#include "support.hpp"

using namespace lssr;
using lssr::test::run_tool;
using lssr::test::TempDir;

namespace {

sr::TrainOptions valid_lssr() {
    sr::TrainOptions o;
    o.stage = sr::TrainStage::Lssr;
    o.datasets = {"data"};
    o.run_dir = "run";
    o.base_model = "base";
    return o;
}

sr::TrainOptions valid_base() {
    auto o = valid_lssr();
    o.stage = sr::TrainStage::Base;
    o.steps = 10;
    o.vae_steps = 4;
    o.decoder_steps = 2;
    return o;
}

// The message of the OptionError validate() throws ("" when it accepts).
std::string refusal(const sr::TrainOptions& o) {
    try {
        o.validate();
    } catch (const OptionError& e) {
        return e.what();
    }
    return "";
}

}  // namespace

TEST_CASE("TrainOptions::validate accepts runs that can start", "[train][options]") {
    CHECK(refusal(valid_lssr()).empty());
    CHECK(refusal(valid_base()).empty());
    auto bundle = valid_lssr();
    bundle.base_model.clear();
    bundle.model = "model.safetensors";
    CHECK(refusal(bundle).empty());
    auto all_vae = valid_base();
    all_vae.vae_steps = all_vae.steps;
    all_vae.decoder_steps = 0;
    CHECK(refusal(all_vae).empty());
}

TEST_CASE("TrainOptions::validate refuses each impossible option with the option's name", "[train][options]") {
    auto o = valid_lssr();
    SECTION("no steps") {
        o.steps = 0;
        CHECK(refusal(o) == "--steps must be positive");
    }
    SECTION("an empty batch") {
        o.batch = 0;
        CHECK(refusal(o) == "--batch must be positive");
    }
    SECTION("a negative learning rate") {
        o.learning_rate = -1e-4;
        CHECK(refusal(o) == "--lr must be positive");
    }
    SECTION("lssr: a bundle and a base at once") {
        o.model = "model.safetensors";
        CHECK(refusal(o) == "give --model or --base-model, not both");
    }
    SECTION("lssr: nothing to start from") {
        o.base_model.clear();
        CHECK(refusal(o) == "name the model to train: --model BUNDLE or --base-model DIR");
    }
    SECTION("base: no architecture folder") {
        o = valid_base();
        o.base_model.clear();
        CHECK(refusal(o) == "--stage base needs --base-model DIR holding unet/ and vae/ config.json");
    }
    SECTION("base: VAE and decoder steps beyond the run") {
        o = valid_base();
        o.decoder_steps = o.steps - o.vae_steps + 1;
        CHECK(refusal(o) == "--vae-steps plus --decoder-steps must not exceed --steps");
    }
    SECTION("base: negative VAE steps") {
        o = valid_base();
        o.vae_steps = -1;
        CHECK(refusal(o) == "--vae-steps plus --decoder-steps must not exceed --steps");
    }
    SECTION("a SAR head width that the heads do not divide") {
        o.sar_shape.dim = 10;
        o.sar_shape.heads = 4;
        CHECK(refusal(o) == "--sar-dim must be a multiple of --sar-heads");
    }
    SECTION("a SAR head without heads") {
        o.sar_shape.heads = 0;
        CHECK(refusal(o) == "--sar-heads must be positive");
    }
    SECTION("a new SAR head with nothing to put it on") {
        o.new_sar = true;
        CHECK(refusal(o) == "--new-sar replaces the SAR head of a bundle: give --model BUNDLE");
    }
    SECTION("a new SAR head and no SAR head") {
        o.base_model.clear();
        o.model = "model.safetensors";
        o.new_sar = true;
        o.sar_head = false;
        CHECK(refusal(o) == "--new-sar and --no-sar contradict each other");
    }
    SECTION("base: losses on the projected output") {
        o = valid_base();
        o.loss_on_projection = true;
        CHECK(refusal(o) == "--loss-on-projection applies to --stage lssr (the base stage trains in latent space)");
    }
    SECTION("a SAR head of cells too large") {
        o.sar_shape.token_stride = 17;
        CHECK(refusal(o) == "--sar-stride must be 1 to 16");
    }
}

TEST_CASE("lssr-train refuses impossible options with exit 2 before touching the run folder", "[train][options]") {
    TempDir tmp;
    SECTION("--model with --base-model") {
        const auto r = run_tool("lssr-train", {tmp.file("data"), "-o", tmp.file("run"), "--model", tmp.file("m.safetensors"),
                                               "--base-model", tmp.file("base"), "-q"});
        CHECK(r.exit_code == 2);
        CHECK(r.err.find("give --model or --base-model, not both") != std::string::npos);
    }
    SECTION("--stage base without --base-model") {
        const auto r = run_tool("lssr-train", {tmp.file("data"), "-o", tmp.file("run"), "--stage", "base", "-q"});
        CHECK(r.exit_code == 2);
        CHECK(r.err.find("--stage base needs --base-model") != std::string::npos);
    }
    SECTION("--sar-dim not a multiple of --sar-heads") {
        const auto r = run_tool("lssr-train", {tmp.file("data"), "-o", tmp.file("run"), "--base-model", tmp.file("base"),
                                               "--sar-dim", "10", "--sar-heads", "4", "-q"});
        CHECK(r.exit_code == 2);
        CHECK(r.err.find("--sar-dim must be a multiple of --sar-heads") != std::string::npos);
    }
    CHECK_FALSE(std::filesystem::exists(tmp.file("run")));
}

TEST_CASE("the stage's default learning rate is the one lssr-train --help states", "[train][options]") {
    sr::TrainOptions o;
    REQUIRE(o.learning_rate == 0);  // "the stage's default"
    o.stage = sr::TrainStage::Lssr;
    CHECK(o.effective_learning_rate() == sr::default_learning_rate(sr::TrainStage::Lssr));
    o.stage = sr::TrainStage::Base;
    CHECK(o.effective_learning_rate() == sr::default_learning_rate(sr::TrainStage::Base));
    // The authors' rate for the adapters; a larger one for a base from scratch.
    CHECK(sr::default_learning_rate(sr::TrainStage::Lssr) == 5e-5);
    CHECK(sr::default_learning_rate(sr::TrainStage::Base) == 1e-3);
    o.learning_rate = 3e-4;
    CHECK(o.effective_learning_rate() == 3e-4);

    const auto help = run_tool("lssr-train", {"--help"});
    REQUIRE(help.exit_code == 0);
    std::smatch m;
    const std::regex lr_line(R"(--lr FLOAT\S*\s+AdamW learning rate \(default (\S+) for lssr, (\S+) for base\))");
    REQUIRE(std::regex_search(help.out, m, lr_line));
    CHECK(std::stod(m[1].str()) == sr::default_learning_rate(sr::TrainStage::Lssr));
    CHECK(std::stod(m[2].str()) == sr::default_learning_rate(sr::TrainStage::Base));
}
