// lssr-train: every active loss term goes down, a stopped or killed run
// resumes to the very weights of an uninterrupted one, two c10d processes keep
// identical weights, and bad runs fail with one clear line.
#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "libio/core/errors.hpp"
#include "libsr/model/base_model.hpp"
#include "libsr/lssr/bundle.hpp"
#include "libsr/formats/safetensors.hpp"
#include "libsr/train/trainer.hpp"
#include "support.hpp"
#include "train_fixture.hpp"

namespace fs = std::filesystem;
using namespace lssr;
using lssr::test::data_path;
using lssr::test::read_text;
using lssr::test::run_tool;
using lssr::test::TempDir;

namespace {

std::vector<nlohmann::json> read_log(const std::string& path) {
    std::vector<nlohmann::json> lines;
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line))
        if (!line.empty()) lines.push_back(nlohmann::json::parse(line));
    return lines;
}

// Mean of a term over the first or last `k` log lines of a phase.
double mean_of(const std::vector<nlohmann::json>& log, const std::string& phase, const std::string& term, bool first,
               int k = 4) {
    std::vector<double> v;
    for (const auto& l : log)
        if (l["phase"] == phase && l.contains(term)) v.push_back(l[term].get<double>());
    REQUIRE(static_cast<int>(v.size()) >= 2 * k);
    double s = 0;
    for (int i = 0; i < k; ++i) s += first ? v[i] : v[v.size() - 1 - i];
    return s / k;
}

// A random-weight base of the tiny test architecture, saved as a diffusers folder.
std::string tiny_base(const TempDir& tmp) {
    const auto dir = tmp.file("base");
    auto base = sr::new_base_model(data_path("train-tiny"), 3);
    sr::save_base_model(base, sr::read_base_model_configs(data_path("train-tiny")), dir);
    return dir;
}

sr::TrainOptions lssr_options(const std::string& base, const std::string& data, const std::string& run) {
    sr::TrainOptions o;
    o.stage = sr::TrainStage::Lssr;
    o.base_model = base;
    o.datasets = {data};
    o.run_dir = run;
    o.batch = 2;
    o.learning_rate = 3e-3;
    o.lora_rank = 2;
    o.knowledge_dim = 8;
    o.knowledge_heads = 2;
    o.sar_shape = {8, 2, 1, 12};
    o.seed = 5;
    return o;
}

struct Spawned {
    pid_t pid;
    std::string err_path;
};

// Starts a built tool with extra environment variables; stderr goes to a file.
Spawned spawn(const std::string& tool, const std::vector<std::string>& args, const std::map<std::string, std::string>& env,
              const std::string& err_path) {
    const std::string exe = lssr::test::kTools.at(tool);
    const pid_t pid = fork();
    if (pid == 0) {
        for (const auto& [k, v] : env) setenv(k.c_str(), v.c_str(), 1);
        const int fd = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        dup2(fd, 2);
        const int null = open("/dev/null", O_WRONLY);
        dup2(null, 1);
        std::vector<char*> argv{const_cast<char*>(exe.c_str())};
        for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
        argv.push_back(nullptr);
        execv(exe.c_str(), argv.data());
        _exit(127);
    }
    return {pid, err_path};
}

// Waits up to `seconds`; kills the child after that. Returns the wait status.
int wait_for(pid_t pid, int seconds) {
    int status = 0;
    for (int i = 0; i < seconds * 20; ++i) {
        if (waitpid(pid, &status, WNOHANG) == pid) return status;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    FAIL("process " << pid << " did not finish within " << seconds << " s");
    return status;
}

int free_port() {
    // Any port above the ephemeral range's usual start, varied by pid to avoid collisions.
    return 20000 + static_cast<int>(getpid() % 20000);
}

}  // namespace

TEST_CASE("base pre-training lowers the VAE and UNet losses and writes a loadable base", "[train]") {
    TempDir tmp;
    lssr::test::make_train_dataset(tmp.file("data"), 4, 1, 16, 1);
    sr::TrainOptions o;
    o.stage = sr::TrainStage::Base;
    o.base_model = data_path("train-tiny");
    o.datasets = {tmp.file("data")};
    o.run_dir = tmp.file("run");
    o.steps = 52;
    o.vae_steps = 20;
    o.decoder_steps = 12;
    o.weights.consistency = 1.0;
    o.batch = 4;
    o.learning_rate = 3e-3;
    const auto result = sr::train(o, {}, {});
    REQUIRE(result.steps_done == 52);
    const auto log = read_log(tmp.file("run/log.jsonl"));
    REQUIRE(log.size() == 52);
    CHECK(mean_of(log, "vae", "l2", false) < 0.7 * mean_of(log, "vae", "l2", true));
    CHECK(mean_of(log, "vae", "fft", false) < mean_of(log, "vae", "fft", true));
    CHECK(mean_of(log, "unet", "latent_l2", false) < mean_of(log, "unet", "latent_l2", true));
    // The decoder phase (on the one-step outputs) lowers the pixel error and the consistency with the LR.
    CHECK(log.at(20)["phase"] == "unet");
    CHECK(log.at(40)["phase"] == "decoder");
    CHECK(mean_of(log, "decoder", "l2", false) < mean_of(log, "decoder", "l2", true));
    CHECK(mean_of(log, "decoder", "consistency", false) < mean_of(log, "decoder", "consistency", true));
    // Validation ran at the end on the test/ sample.
    CHECK(log.back()["val"]["samples"] == 1);
    auto base = sr::load_base_model(result.output);
    CHECK(base.scaling_factor != 1.0);  // set from the trained latents, as SD's was
}

TEST_CASE("LSSR training lowers every active loss term and ships a bundle lssr-upscale loads", "[train]") {
    TempDir tmp;
    lssr::test::make_train_dataset(tmp.file("data"), 3, 1, 16, 2);
    auto o = lssr_options(tiny_base(tmp), tmp.file("data"), tmp.file("run"));
    o.steps = 36;
    o.pix_steps = 18;
    o.weights.consistency = 1.0;
    std::vector<std::string> warnings;
    const auto result = sr::train(o, {}, [&](const std::string& w) { warnings.push_back(w); });
    // LPIPS and CSD cannot run without their networks: said once each.
    REQUIRE(warnings.size() == 2);
    CHECK(warnings[0].find("LPIPS") != std::string::npos);
    const auto log = read_log(tmp.file("run/log.jsonl"));
    // Over the run (pixel branch, then semantic branch): every term lower at the end.
    for (const std::string term : {"l2", "fft", "ndvi", "consistency"}) {
        INFO(term);
        CHECK(mean_of(log, "sem", term, false) < mean_of(log, "pix", term, true));
    }
    // Validation reports lssr-eval's consistency on the test/ sample.
    CHECK(log.back()["val"]["consistency_mae"].get<double>() >= 0.0);
    auto model = sr::load_bundle(result.output);
    REQUIRE(model.knowledge);
    REQUIRE(model.sar_head);
    CHECK(model.sar_head->shape().dim == 8);
    const auto out = model.forward(torch::rand({1, 6, 16, 16}) * 0.4);
    CHECK(out.sizes() == torch::IntArrayRef({1, 6, 48, 48}));
}

TEST_CASE("training with new_sar gives a trained bundle a SAR head on the 30 m grid and trains that alone", "[train]") {
    TempDir tmp;
    lssr::test::make_train_dataset(tmp.file("data"), 3, 1, 16, 4);
    auto first = lssr_options(tiny_base(tmp), tmp.file("data"), tmp.file("run"));
    first.steps = 4;
    const auto trained = sr::train(first, {}, {});
    auto o = first;
    o.base_model.clear();
    o.model = trained.output;
    o.run_dir = tmp.file("sar-run");
    o.new_sar = true;
    o.sar_shape = {8, 2, 1, 4, 3};
    o.steps = 30;
    const auto result = sr::train(o, {}, {});
    const auto log = read_log(tmp.file("sar-run/log.jsonl"));
    CHECK(mean_of(log, "sem", "l2", false) < mean_of(log, "sem", "l2", true));
    auto before = sr::load_bundle(trained.output);
    auto after = sr::load_bundle(result.output);
    REQUIRE(after.sar_head);
    CHECK(after.sar_head->shape().token_stride == 3);
    CHECK(after.sar_head->shape().window == 4);
    // Everything but the SAR head is the first bundle's, tensor for tensor.
    for (auto part : {sr::SrPart::Knowledge, sr::SrPart::Unet}) {
        const auto a = before.state(part), b = after.state(part);
        REQUIRE(a.size() == b.size());
        for (size_t i = 0; i < a.size(); ++i) {
            INFO(a[i].first);
            CHECK(a[i].first == b[i].first);
            CHECK(torch::equal(a[i].second, b[i].second));
        }
    }
    // The new head changes the output where S1 is given, and is used.
    sr::SideTensors aux;
    aux.s1 = torch::randn({1, 2, 48, 48}) - 12;
    const auto lr = torch::rand({1, 6, 16, 16}) * 0.4;
    torch::NoGradGuard no_grad;
    CHECK_FALSE(torch::equal(after.forward(lr, aux), after.forward(lr)));
    CHECK(torch::equal(after.forward(lr), before.forward(lr)));
}

TEST_CASE("a stopped run resumed with --resume ends with the weights of an uninterrupted one", "[train]") {
    TempDir tmp;
    lssr::test::make_train_dataset(tmp.file("data"), 3, 0, 16, 3);
    const auto base = tiny_base(tmp);
    auto whole = lssr_options(base, tmp.file("data"), tmp.file("whole"));
    whole.steps = 8;
    whole.pix_steps = 3;
    whole.checkpoint_every = 2;
    whole.crop = 8;
    const auto a = sr::train(whole, {}, {});

    auto part = whole;
    part.run_dir = tmp.file("part");
    part.steps = 5;  // stops mid-way (step 5, past the pixel-branch phase)
    sr::train(part, {}, {});
    part.steps = 8;
    part.resume = true;
    const auto b = sr::train(part, {}, {});
    CHECK(b.weights_sha256 == a.weights_sha256);
    const auto log = read_log(tmp.file("part/log.jsonl"));
    REQUIRE(log.size() == 8);
    for (size_t i = 0; i < log.size(); ++i) CHECK(log[i]["step"] == static_cast<int>(i + 1));

    // Without --resume or --overwrite the run folder is protected.
    part.resume = false;
    CHECK_THROWS_AS(sr::train(part, {}, {}), lssr::OptionError);
}

TEST_CASE("lssr-train killed with SIGKILL resumes to the same model", "[train]") {
    TempDir tmp;
    lssr::test::make_train_dataset(tmp.file("data"), 3, 0, 16, 4);
    const auto base = tiny_base(tmp);
    auto args = [&](const std::string& run) {
        return std::vector<std::string>{"--base-model", base, tmp.file("data"), "-o", run, "--steps", "60",
                                        "--batch", "2", "--lora-rank", "2", "--knowledge-dim", "8", "--sar-dim", "8",
                                        "--sar-heads", "2", "--sar-layers", "1", "--checkpoint-every", "1",
                                        "--pix-steps", "10", "--seed", "9", "--threads", "1", "-q"};
    };
    const auto whole = run_tool("lssr-train", args(tmp.file("whole")));
    REQUIRE(whole.exit_code == 0);

    auto child = spawn("lssr-train", args(tmp.file("killed")), {}, tmp.file("err1"));
    // Kill once a few steps are logged (the checkpoint follows every step).
    for (int i = 0; i < 1200 && !(fs::exists(tmp.file("killed/log.jsonl")) &&
                                  read_log(tmp.file("killed/log.jsonl")).size() >= 5);
         ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(25));
    kill(child.pid, SIGKILL);
    int status = 0;
    waitpid(child.pid, &status, 0);
    REQUIRE(WIFSIGNALED(status));  // it really was killed mid-run
    REQUIRE_FALSE(fs::exists(tmp.file("killed/model.safetensors")));

    auto resume = args(tmp.file("killed"));
    resume.push_back("--resume");
    const auto resumed = run_tool("lssr-train", resume);
    REQUIRE(resumed.exit_code == 0);
    // Same tensors, bit for bit (the metadata's creation time differs).
    sr::SafetensorsFile fa(tmp.file("whole/model.safetensors")), fb(tmp.file("killed/model.safetensors"));
    REQUIRE(fa.tensors().size() == fb.tensors().size());
    for (const auto& t : fa.tensors()) {
        const auto* u = fb.find(t.name);
        REQUIRE(u);
        std::string x(t.end - t.begin, '\0'), y(u->end - u->begin, '\0');
        fa.read_bytes(t, x.data());
        fb.read_bytes(*u, y.data());
        INFO(t.name);
        CHECK(x == y);
    }
    CHECK(read_log(tmp.file("killed/log.jsonl")).size() == 60);
}

TEST_CASE("two lssr-train processes over c10d (Gloo) end with identical weights", "[train][distributed]") {
    TempDir tmp;
    lssr::test::make_train_dataset(tmp.file("data"), 4, 0, 16, 5);
    const auto base = tiny_base(tmp);
    const std::vector<std::string> args{"--base-model", base, tmp.file("data"), "-o", tmp.file("run"), "--steps", "6",
                                        "--batch", "1", "--lora-rank", "2", "--knowledge-dim", "8", "--sar-dim", "8",
                                        "--sar-heads", "2", "--sar-layers", "1", "--pix-steps", "2", "--threads", "1"};
    const std::string port = std::to_string(free_port());
    std::vector<Spawned> ranks;
    for (int r = 0; r < 2; ++r)
        ranks.push_back(spawn("lssr-train", args,
                              {{"RANK", std::to_string(r)}, {"WORLD_SIZE", "2"}, {"MASTER_ADDR", "127.0.0.1"},
                               {"MASTER_PORT", port}},
                              tmp.file("err" + std::to_string(r))));
    std::vector<std::string> digests;
    for (const auto& r : ranks) {
        const int status = wait_for(r.pid, 120);
        const auto err = read_text(r.err_path);
        INFO(err);
        REQUIRE(WIFEXITED(status));
        REQUIRE(WEXITSTATUS(status) == 0);
        std::smatch m;
        REQUIRE(std::regex_search(err, m, std::regex("weights sha256 ([0-9a-f]{64})")));
        digests.push_back(m[1].str());
    }
    CHECK(digests[0] == digests[1]);
    CHECK(fs::exists(tmp.file("run/model.safetensors")));  // written by rank 0 only
    CHECK(read_log(tmp.file("run/log.jsonl")).size() == 6);
}

TEST_CASE("lssr-train rejects bad runs with one clear line", "[train]") {
    TempDir tmp;
    lssr::test::make_train_dataset(tmp.file("data"), 1, 0, 16, 6);
    const auto base = tiny_base(tmp);
    SECTION("an empty dataset folder") {
        fs::create_directories(tmp.file("empty"));
        const auto r = run_tool("lssr-train", {"--base-model", base, tmp.file("empty"), "-o", tmp.file("run"), "-q"});
        CHECK(r.exit_code == 1);
        CHECK(r.err.find("no samples") != std::string::npos);
    }
    SECTION("an LR patch without its partner") {
        fs::remove(tmp.file("data/train/s0_20210701_L8.tif"));
        const auto r = run_tool("lssr-train", {"--base-model", base, tmp.file("data"), "-o", tmp.file("run"), "-q"});
        CHECK(r.exit_code == 1);
        CHECK(r.err.find("s0_20210701_L8.tif") != std::string::npos);
    }
    SECTION("a truncated checkpoint") {
        const std::vector<std::string> args{"--base-model", base, tmp.file("data"), "-o", tmp.file("run"),
                                            "--steps", "2", "--knowledge-dim", "8", "--sar-dim", "8", "--sar-heads", "2",
                                            "--sar-layers", "1", "--lora-rank", "2", "-q"};
        REQUIRE(run_tool("lssr-train", args).exit_code == 0);
        fs::resize_file(tmp.file("run/checkpoint.safetensors"), 1000);
        auto resume = args;
        resume.push_back("--resume");
        const auto r = run_tool("lssr-train", resume);
        CHECK(r.exit_code == 1);
        CHECK(r.err.find("checkpoint.safetensors") != std::string::npos);
        // One error line (besides the LPIPS/CSD-off warnings).
        const std::regex error_line("lssr-train: error: [^\n]*\n");
        CHECK(std::distance(std::sregex_iterator(r.err.begin(), r.err.end(), error_line), std::sregex_iterator()) == 1);
    }
    SECTION("a run folder in use") {
        fs::create_directories(tmp.file("run"));
        std::ofstream(tmp.file("run/log.jsonl")) << "{}\n";
        const auto r = run_tool("lssr-train", {"--base-model", base, tmp.file("data"), "-o", tmp.file("run"), "-q"});
        CHECK(r.exit_code == 2);
        CHECK(r.err.find("--resume") != std::string::npos);
    }
}
