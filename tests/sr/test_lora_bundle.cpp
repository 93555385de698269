// Adapters (PEFT-exact LoRA, lambda mixing), the knowledge module and SAR head
// at any size and with modalities missing, and model bundles (write, read,
// lssr-model info/pack, lssr-upscale --model).
#include <catch2/catch.hpp>
#include <torch/torch.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <nlohmann/json.hpp>

#include "libio/gdal/gdal_dataset.hpp"
#include "libio/gdal/raster.hpp"
#include "libsr/model/base_model.hpp"
#include "libsr/lssr/bundle.hpp"
#include "libsr/formats/configs.hpp"
#include "libsr/lssr/lora.hpp"
#include "libsr/formats/sha256.hpp"
#include "libsr/lssr/sr_model.hpp"
#include "libsr/model/tensor_key.hpp"
#include "support.hpp"

namespace fs = std::filesystem;
using namespace lssr::sr;
using lssr::test::data_path;
using lssr::test::run_tool;
using lssr::test::TempDir;

namespace {

double max_abs(const torch::Tensor& a, const torch::Tensor& b) {
    REQUIRE(a.sizes() == b.sizes());
    return (a - b).abs().max().item<double>();
}

SrModel tiny_model() {
    auto base = load_base_model(data_path("sd-tiny/base"));
    const int64_t width = base.unet->config().cross_attention_dim;
    return SrModel(std::move(base), load_prompt_embedding(data_path("sd-tiny/prompt_embedding.safetensors"), width), 1);
}

// Gives every adapter's B random values so that adapters change the output.
void randomise_b(torch::nn::Module& unet, double std) {
    torch::NoGradGuard no_grad;
    for (const auto& item : unet.named_modules()) {
        if (auto c = std::dynamic_pointer_cast<Conv2dImpl>(item.value()))
            for (auto& d : c->lora) d.B.normal_(0.0, std);
        if (auto l = std::dynamic_pointer_cast<LinearImpl>(item.value()))
            for (auto& d : l->lora) d.B.normal_(0.0, std);
    }
}

torch::Tensor unet_input(const SrModel& m) {
    torch::manual_seed(7);
    return torch::randn({1, 4, 8, 8}) * (m.timestep() + 1);
}

std::vector<std::string> lines(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string l; std::getline(in, l);) out.push_back(l);
    return out;
}

torch::Tensor lr_batch() {
    torch::manual_seed(3);
    return torch::rand({1, 6, 16, 16}) * 0.4 + 0.05;
}

}  // namespace

TEST_CASE("LoRA targets on stable-diffusion-2-1-base are PiSA-SR's 258 modules with PEFT shapes", "[sr][lora]") {
    UNet2DConditionModel unet(read_unet_config(data_path("sd21-configs/unet/config.json")), ParamOptions::meta());
    const auto targets = pisa_lora_targets(*unet);
    std::map<std::string, std::vector<int64_t>> shapes;
    for (const auto& p : unet->named_parameters()) shapes[p.key()] = p.value().sizes().vec();
    std::set<std::string> got;
    long long params = 0;
    for (const auto& t : targets) {
        const auto& s = shapes.at(t.module + ".weight");
        const int r = 4;
        std::vector<int64_t> a = t.conv ? std::vector<int64_t>{r, s[1], s[2], s[3]} : std::vector<int64_t>{r, s[1]};
        std::vector<int64_t> b = t.conv ? std::vector<int64_t>{s[0], r, 1, 1} : std::vector<int64_t>{s[0], r};
        const std::string kind = t.conv ? "conv" + std::to_string(s[2]) + "x" + std::to_string(s[3]) : "linear";
        got.insert(std::string(lora_group_name(t.group)) + "\t" + t.module + "\t" + kind + "\tbase=" + format_shape(s) +
                   "\tlora_A=" + format_shape(a) + "\tlora_B=" + format_shape(b));
        long long na = 1, nb = 1;
        for (auto d : a) na *= d;
        for (auto d : b) nb *= d;
        params += na + nb;
    }
    std::ifstream in(data_path("pisa-lora-targets.txt"));
    std::stringstream text;
    text << in.rdbuf();
    const auto want_lines = lines(text.str());
    const std::set<std::string> want(want_lines.begin(), want_lines.end());
    CHECK(targets.size() == 258);
    CHECK(got == want);
    CHECK(params == 4055712);
}

TEST_CASE("LoRA with zero-initialised B leaves the UNet's output unchanged", "[sr][lora]") {
    torch::NoGradGuard no_grad;
    auto m = tiny_model();
    const auto z = unet_input(m);
    const auto plain = m.predict_noise(z);
    torch::manual_seed(1);
    add_lora_branch(*m.base().unet, "pix", LoraSpec{});
    add_lora_branch(*m.base().unet, "sem", LoraSpec{4, 8.0, LoraInit::Kaiming});
    REQUIRE(has_lora(*m.base().unet));
    CHECK(max_abs(m.predict_noise(z), plain) == 0.0);
    // A is initialised as PEFT does: gaussian with std 1/r ("gaussian"), or
    // kaiming-uniform with a = sqrt(5), i.e. bound 1/sqrt(fan_in) (PEFT's default).
    const auto state = lora_state(*m.base().unet);
    REQUIRE(!state.empty());
    CHECK(state.front().first.find(".lora_A.default_encoder_pix.weight") != std::string::npos);
    std::vector<torch::Tensor> gaussian;
    for (const auto& [name, t] : state) {
        if (name.find(".lora_B.") != std::string::npos) CHECK(t.abs().max().item<double>() == 0.0);
        if (name.find(".lora_A.") == std::string::npos) continue;
        if (name.find("_pix.") != std::string::npos) gaussian.push_back(t.flatten());
        else CHECK(t.abs().max().item<double>() <= 1.0 / std::sqrt(double(t[0].numel())) + 1e-6);
    }
    CHECK(torch::cat(gaussian).std().item<double>() == Approx(0.25).epsilon(0.05));
}

TEST_CASE("merged and unmerged LoRA forwards agree; lambda mixing follows the formula", "[sr][lora]") {
    torch::NoGradGuard no_grad;
    auto m = tiny_model();
    const auto z = unet_input(m);
    torch::manual_seed(2);
    add_lora_branch(*m.base().unet, "pix", LoraSpec{});
    add_lora_branch(*m.base().unet, "sem", LoraSpec{});
    randomise_b(*m.base().unet, 0.05);
    auto& unet = *m.base().unet;
    set_lora_branch_active(unet, "sem", false);
    const auto t = torch::ones({1}, torch::kInt64);
    const auto ctx = m.prompt();
    const auto pred_pix = unet.forward(z, t, ctx);
    set_lora_branch_active(unet, "sem", true);
    const auto pred_sem = unet.forward(z, t, ctx);
    REQUIRE(max_abs(pred_sem, pred_pix) > 1e-3);  // the adapters do something

    m.set_lambdas(0.3, 1.7);
    CHECK(has_lora(unet));  // not merged: two passes
    CHECK(max_abs(m.predict_noise(z), 0.3 * pred_pix + 1.7 * (pred_sem - pred_pix)) < 1e-5);
    m.set_lambdas(1.0, 1.0);
    CHECK_FALSE(has_lora(unet));  // merged into the weights: one pass
    CHECK(max_abs(m.predict_noise(z), pred_sem) < 1e-4);
}

TEST_CASE("knowledge module and SAR head work at any size and with modalities missing", "[sr][lora][aux]") {
    torch::NoGradGuard no_grad;
    torch::manual_seed(5);
    KnowledgeModule k(4);
    const auto z = torch::randn({2, 4, 5, 7});
    CHECK(max_abs(k->forward(z, KnowledgeInputs{}, 0), z) == 0.0);  // nothing known: unchanged
    KnowledgeInputs dem_only;
    dem_only.dem = torch::rand({2, 1, 40, 56}) * 300;
    dem_only.dem[1].fill_(NAN);  // second tile: no DEM at all
    const auto out = k->forward(z, dem_only, 1);
    CHECK(out.sizes() == z.sizes());
    CHECK(max_abs(out[0], z[0]) > 0);
    CHECK(max_abs(out[1], z[1]) == 0.0);
    KnowledgeInputs month;
    month.month = torch::tensor({7, 1}, torch::kInt64);  // January is outside the model's months
    const auto by_month = k->forward(z, month, 0);
    CHECK(max_abs(by_month[0], z[0]) > 0);
    CHECK(max_abs(by_month[1], z[1]) == 0.0);

    SarHead sar;
    const auto img = torch::rand({1, 3, 30, 41}) * 2 - 1;
    const auto fused = sar->forward(img, normalise_s1(torch::randn({1, 2, 30, 41}) * 3 - 12));
    CHECK(fused.sizes() == img.sizes());
    CHECK(std::isfinite(fused.abs().max().item<double>()));
}

TEST_CASE("a bundle round-trips adapters, knowledge, SAR head and prompt, embedded or referring to its base",
          "[sr][bundle]") {
    torch::NoGradGuard no_grad;
    TempDir tmp;
    auto m = tiny_model();
    torch::manual_seed(4);
    add_lora_branch(*m.base().unet, "pix", LoraSpec{});
    add_lora_branch(*m.base().unet, "sem", LoraSpec{});
    randomise_b(*m.base().unet, 0.05);
    m.knowledge = KnowledgeModule(4);
    m.sar_head = SarHead();
    SideTensors aux;
    aux.dem = torch::rand({1, 1, 48, 48}) * 200;
    aux.s1 = torch::randn({1, 2, 48, 48}) - 10;
    aux.month = torch::tensor({6}, torch::kInt64);
    const auto lr = lr_batch();
    const auto want = m.forward(lr, aux);
    for (bool embed : {false, true}) {
        const auto path = tmp.file(embed ? "embedded.safetensors" : "external.safetensors");
        BundleWriteOptions options;
        options.base_dir = data_path("sd-tiny/base");
        options.embed_base = embed;
        options.provenance = {{"recipe", "test"}};
        write_bundle(path, m, options);
        auto loaded = load_bundle(path);
        REQUIRE(loaded.knowledge);
        REQUIRE(loaded.sar_head);
        CHECK(max_abs(loaded.forward(lr, aux), want) < 1e-5);
        const auto s = summarize_bundle(path);
        CHECK(s.knowledge_params > 0);
        CHECK(s.sar_params > 0);
        CHECK(s.lora_params.size() == 6);
        CHECK(s.sha256 == sha256_files({path}));
        CHECK((s.base_unet_params > 0) == embed);
    }
    // Missing S1 and DEM for a tile must not break inference.
    CHECK(m.forward(lr, SideTensors{}).sizes() == want.sizes());
}

TEST_CASE("sha256 matches the FIPS 180-4 test vectors", "[sr][bundle]") {
    CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    CHECK(sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    CHECK(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
          "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST_CASE("lssr-model pack and info; lssr-upscale --model equals the plain path while B is zero",
          "[sr][bundle][cli]") {
    TempDir tmp;
    const auto bundle = tmp.file("fresh.safetensors");
    auto r = run_tool("lssr-model", {"pack", data_path("sd-tiny/base"), "-o", bundle, "--prompt-embedding",
                                     data_path("sd-tiny/prompt_embedding.safetensors"), "-q"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    r = run_tool("lssr-model", {"info", bundle});
    REQUIRE(r.exit_code == 0);
    CHECK(r.out.find(sha256_files({bundle})) != std::string::npos);
    CHECK(r.out.find("default_decoder_sem") != std::string::npos);
    CHECK(r.out.find("lssr-one-step") != std::string::npos);
    r = run_tool("lssr-model", {"info", "--json", bundle});
    REQUIRE(r.exit_code == 0);
    const auto j = nlohmann::json::parse(r.out);
    CHECK(j["parameters"]["lora"].get<long long>() > 0);
    CHECK(j["base"].get<std::string>().find("sd-tiny") != std::string::npos);

    const auto a = tmp.file("a.tif"), b = tmp.file("b.tif");
    REQUIRE(run_tool("lssr-upscale", {"--model", bundle, data_path("sd-tiny/lr.tif"), "-o", a, "-q"}).exit_code == 0);
    REQUIRE(run_tool("lssr-upscale", {"--base-model", data_path("sd-tiny/base"), "--prompt-embedding",
                                      data_path("sd-tiny/prompt_embedding.safetensors"), data_path("sd-tiny/lr.tif"),
                                      "-o", b, "-q"})
                .exit_code == 0);
    auto read = [](const std::string& p) {
        auto ds = lssr::io::open_raster(p);
        return lssr::io::read_block(*ds, {1, 2, 3, 4, 5, 6}, lssr::io::Window{0, 0, 192, 192}, p).data;
    };
    CHECK(read(a) == read(b));

    // Truncated bundle: one line, exit 1, for both tools.
    const auto cut = tmp.file("cut.safetensors");
    fs::copy_file(bundle, cut);
    fs::resize_file(cut, fs::file_size(cut) - 100);
    r = run_tool("lssr-model", {"info", cut});
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("cut.safetensors") != std::string::npos);
    r = run_tool("lssr-upscale", {"--model", cut, data_path("sd-tiny/lr.tif"), "-o", tmp.file("c.tif"), "-q"});
    CHECK(r.exit_code == 1);
    CHECK(r.err.rfind("lssr-upscale: error: ", 0) == 0);
    CHECK(lines(r.err).size() == 1);
}

TEST_CASE("lssr-upscale warps --dem, --landcover and --s1 per tile and uses them", "[sr][bundle][cli][aux]") {
    TempDir tmp;
    const auto bundle = tmp.file("aux.safetensors");
    REQUIRE(run_tool("lssr-model", {"pack", data_path("sd-tiny/base"), "-o", bundle, "--knowledge", "--sar", "-q"})
                .exit_code == 0);
    // Side rasters on other grids: DEM at 40 m, S1 at 20 m, both offset from the LR grid.
    const auto lr = data_path("sd-tiny/lr.tif");
    const auto dem = tmp.file("dem.tif"), s1 = tmp.file("s1.tif");
    auto g = lssr::test::utm_grid(60, 60, 40.0, 499900.0, 4600100.0);
    lssr::test::write_test_raster(dem, g, 1, GDT_Float32, [](int, int r, int c) { return 100.0 + r + 2 * c; });
    auto g2 = lssr::test::utm_grid(100, 100, 20.0, 500000.0, 4600030.0);
    lssr::test::write_test_raster(s1, g2, 2, GDT_Float32, [](int b, int r, int c) { return -12.0 - 5 * b + 0.05 * (r - c); });
    const auto plain = tmp.file("plain.tif"), with_aux = tmp.file("aux.tif");
    REQUIRE(run_tool("lssr-upscale", {"--model", bundle, lr, "-o", plain, "-q"}).exit_code == 0);
    const auto r = run_tool("lssr-upscale", {"--model", bundle, lr, "-o", with_aux, "--dem", dem, "--s1", s1, "--month", "7", "-q"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    auto read = [](const std::string& p) {
        auto ds = lssr::io::open_raster(p);
        return lssr::io::read_block(*ds, {1, 2, 3, 4, 5, 6}, lssr::io::Window{0, 0, 192, 192}, p).data;
    };
    CHECK(read(plain) != read(with_aux));
}
