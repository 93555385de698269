// Every field of a model bundle is checked against its meaning when the
// bundle is loaded (issue 10: items 4, 5, 13, 15, 16): a bad value is one
// line naming the file and the field, before any network is allocated, never
// a NaN output, a wrapped integer or a 30-line LibTorch backtrace.
#include <catch2/catch.hpp>
#include <sys/stat.h>
#include <torch/torch.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "bundle_bytes.hpp"
#include "libio/core/errors.hpp"
#include "libsr/lssr/bundle.hpp"
#include "libsr/formats/configs.hpp"
#include "libsr/lssr/model_choice.hpp"
#include "libsr/formats/safetensors.hpp"
#include "libsr/model/torch_errors.hpp"
#include "default_model.hpp"
#include "support.hpp"

namespace fs = std::filesystem;
using lssr::test::BundleBytes;
using lssr::test::run_tool;
using lssr::test::TempDir;

namespace {

using lssr::test::default_bundle;

// Loading `path` must fail with one InputError line naming the file and holding every `what`.
void require_refused(const std::string& path, const std::vector<std::string>& what) {
    lssr::sr::ModelChoice choice;
    choice.bundle = path;
    try {
        lssr::sr::load_model(choice);
        FAIL("accepted: " << path);
    } catch (const lssr::InputError& e) {
        const std::string message = e.what();
        INFO(message);
        CHECK(message.rfind(path + ": ", 0) == 0);
        CHECK(message.find('\n') == std::string::npos);
        for (const auto& w : what) CHECK(message.find(w) != std::string::npos);
    }
}

// The default bundle with one edit, written to DIR/name.
template <typename Edit>
std::string mutant(const TempDir& dir, const std::string& name, Edit edit) {
    auto b = BundleBytes::load(default_bundle());
    edit(b);
    const auto path = dir.file(name);
    b.save(path);
    return path;
}

}  // namespace

TEST_CASE("the shipped default bundle passes every check, also after a rewrite of its header", "[sr][bundle][validate]") {
    TempDir dir;
    const auto path = mutant(dir, "same.safetensors", [](BundleBytes&) {});
    lssr::sr::ModelChoice choice;
    choice.bundle = path;
    const auto loaded = lssr::sr::load_model(choice);
    CHECK(loaded.model->timestep() == 1);
    CHECK(loaded.model->knowledge);
    CHECK(loaded.model->sar_head);
}

TEST_CASE("bundle timestep must be an integer 0..999, as --timestep", "[sr][bundle][validate]") {
    TempDir dir;
    // Before: "nan" and "1e30" were cast to int64 (LSSR_TIMESTEP=-9223372036854775808); -1 and 5000 ran.
    for (const std::string bad : {"nan", "1e30", "-1", "5000", "1.5", "", " 1", "0x10"}) {
        INFO(bad);
        const auto path = mutant(dir, "t.safetensors", [&](BundleBytes& b) { b.meta("timestep") = bad; });
        require_refused(path, {"timestep", "0..999"});
    }
    const auto ok = mutant(dir, "t999.safetensors", [](BundleBytes& b) { b.meta("timestep") = "999"; });
    lssr::sr::ModelChoice choice;
    choice.bundle = ok;
    CHECK(lssr::sr::load_model(choice).model->timestep() == 999);
}

TEST_CASE("bundle lora_alpha must be a finite number above 0 and at most 10000", "[sr][bundle][validate]") {
    TempDir dir;
    // Before: each gave an all-NaN output with exit status 0.
    for (const std::string bad : {"nan", "inf", "-inf", "1e300", "0", "-8", "8 ", "eight"}) {
        INFO(bad);
        const auto path = mutant(dir, "a.safetensors", [&](BundleBytes& b) { b.meta("lora_alpha") = bad; });
        require_refused(path, {"lora_alpha"});
    }
}

TEST_CASE("side-module heads must divide the width (else a bare shape error mid-run)", "[sr][bundle][validate]") {
    TempDir dir;
    const auto knowledge = mutant(dir, "k.safetensors", [](BundleBytes& b) {
        auto arch = b.meta_json("architecture");
        arch["knowledge"]["heads"] = 5;  // width 32
        b.set_meta_json("architecture", arch);
    });
    require_refused(knowledge, {"architecture.knowledge.heads", "does not divide the width 32"});
    const auto sar = mutant(dir, "s.safetensors", [](BundleBytes& b) {
        auto arch = b.meta_json("architecture");
        arch["sar"]["heads"] = 7;  // width 24
        b.set_meta_json("architecture", arch);
    });
    require_refused(sar, {"architecture.sar.heads", "does not divide the width 24"});
}

TEST_CASE("a huge declared knowledge or SAR width fails against the tensor shapes without allocating",
          "[sr][bundle][validate]") {
    TempDir dir;
    // Before: LibTorch tried to allocate it ("DefaultCPUAllocator: can't allocate memory", 30 lines).
    const auto knowledge = mutant(dir, "k.safetensors", [](BundleBytes& b) {
        auto arch = b.meta_json("architecture");
        arch["knowledge"]["dim"] = 65536;
        b.set_meta_json("architecture", arch);
    });
    require_refused(knowledge, {"declares knowledge width 65536 but tensor \"knowledge.latent_project_in.weight\"",
                                "[32, 8, 1, 1]"});
    const auto sar = mutant(dir, "s.safetensors", [](BundleBytes& b) {
        auto arch = b.meta_json("architecture");
        arch["sar"]["dim"] = 60000;
        arch["sar"]["heads"] = 1;
        b.set_meta_json("architecture", arch);
    });
    require_refused(sar, {"declares SAR width 60000", "but tensor \"post_fusion.opt_in.0.weight\""});
    // A head of the authors' layout declared as one on the 30 m grid: its stem does not match.
    const auto cells = mutant(dir, "c.safetensors", [](BundleBytes& b) {
        auto arch = b.meta_json("architecture");
        arch["sar"]["token_stride"] = 4;
        b.set_meta_json("architecture", arch);
    });
    require_refused(cells, {"token stride 4 but tensor \"post_fusion.opt_in.0.weight\"", "[24, 3, 4, 4]"});
    const auto beyond = mutant(dir, "b.safetensors", [](BundleBytes& b) {
        auto arch = b.meta_json("architecture");
        arch["sar"]["dim"] = 4000000000000LL;
        b.set_meta_json("architecture", arch);
    });
    require_refused(beyond, {"architecture.sar.dim", "1..65536"});
    const auto layers = mutant(dir, "l.safetensors", [](BundleBytes& b) {
        auto arch = b.meta_json("architecture");
        arch["sar"]["layers"] = 64;  // the file holds one block
        b.set_meta_json("architecture", arch);
    });
    require_refused(layers, {"missing tensor \"post_fusion.fusion.blocks.1.mlp.fc1.weight\""});
    // The same through the tool: one line, exit status 1.
    const auto r = run_tool("lssr-upscale", {"--model", knowledge, lssr::test::data_path("sd-tiny/lr.tif"), "-o",
                                             dir.file("sr.tif"), "-q", "--threads", "1"});
    CHECK(r.exit_code == 1);
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
    CHECK(r.err.find("knowledge width 65536") != std::string::npos);
    CHECK_FALSE(fs::exists(dir.file("sr.tif")));
}

TEST_CASE("an embedded base config declaring a huge width fails on the meta device", "[sr][bundle][validate]") {
    TempDir dir;
    const auto path = mutant(dir, "u.safetensors", [](BundleBytes& b) {
        auto config = nlohmann::ordered_json::parse(b.meta("unet_config"));
        config["block_out_channels"] = {32768, 32768, 65536};
        config["attention_head_dim"] = 1;
        config["norm_num_groups"] = 8;
        b.meta("unet_config") = config.dump();
    });
    require_refused(path, {"tensor \"unet.conv_in.weight\" has shape [8, 8, 3, 3] but the model needs [32768, 8, 3, 3]"});
    const auto huge = mutant(dir, "h.safetensors", [](BundleBytes& b) {
        auto config = nlohmann::ordered_json::parse(b.meta("vae_config"));
        config["scaling_factor"] = 1e-30;
        b.meta("vae_config") = config.dump();
    });
    require_refused(huge, {": vae_config: ", "scaling_factor"});
    const auto latent = mutant(dir, "c.safetensors", [](BundleBytes& b) {
        auto config = nlohmann::ordered_json::parse(b.meta("vae_config"));
        config["latent_channels"] = 4;  // the UNet takes 8
        b.meta("vae_config") = config.dump();
    });
    require_refused(latent, {"the UNet takes 8", "latent has 4"});
}

TEST_CASE("weights must be stored as floats, finite and of plausible size", "[sr][bundle][validate]") {
    TempDir dir;
    // Before: F32 bytes relabelled I32 were converted to huge floats: all-NaN output, exit status 0.
    const auto relabelled = mutant(dir, "i.safetensors", [](BundleBytes& b) {
        b.header["vae.decoder.conv_out.weight"]["dtype"] = "I32";
    });
    require_refused(relabelled, {"tensor \"vae.decoder.conv_out.weight\" is I32", "F32"});
    const auto lora = mutant(dir, "l.safetensors", [](BundleBytes& b) {
        b.header["unet.conv_in.lora_A.default_encoder_pix.weight"]["dtype"] = "I32";
    });
    require_refused(lora, {"unet.conv_in.lora_A.default_encoder_pix.weight\" is I32"});
    auto poke = [&](const std::string& name, const std::string& tensor, float value) {
        return mutant(dir, name, [&](BundleBytes& b) {
            const auto begin = b.header[tensor]["data_offsets"][0].get<std::size_t>();
            std::memcpy(&b.data[begin], &value, sizeof value);
        });
    };
    require_refused(poke("nan.safetensors", "knowledge.gamma_rgb", std::nanf("")), {"knowledge.gamma_rgb", "NaN"});
    require_refused(poke("big.safetensors", "unet.conv_in.weight", 3e37f), {"unet.conv_in.weight", "beyond"});
    require_refused(poke("p.safetensors", "prompt_embeds", INFINITY), {"prompt_embeds", "infinite"});
}

TEST_CASE("metadata fields: unknown, missing or of the wrong kind are refused by name", "[sr][bundle][validate]") {
    TempDir dir;
    auto edit_meta = [&](const std::string& key, const std::string& value) {
        return mutant(dir, "m.safetensors", [&](BundleBytes& b) { b.meta(key) = value; });
    };
    require_refused(edit_meta("colour", "blue"), {"\"colour\"", "unknown field"});
    require_refused(edit_meta("scale_factor", "4"), {"scale_factor", "x3"});
    require_refused(edit_meta("band_roles", R"({"rgb":["nir","green","blue"],"ir":["red","swir1","swir2"]})"),
                    {"band_roles"});
    require_refused(edit_meta("band_roles", "[1]"), {"band_roles", "not a JSON object"});
    require_refused(edit_meta("base", "somewhere"), {"metadata base", "\"embedded\" or \"external\""});
    require_refused(edit_meta("architecture", "[]"), {"architecture", "not a JSON object"});
    require_refused(edit_meta("provenance", "yesterday"), {"provenance"});
    require_refused(edit_meta("base_sha256", "abc"), {"base_sha256"});
    require_refused(mutant(dir, "nb.safetensors", [](BundleBytes& b) { b.header["__metadata__"].erase("base"); }),
                    {"\"base\"", "missing"});
    require_refused(mutant(dir, "nu.safetensors", [](BundleBytes& b) { b.header["__metadata__"].erase("unet_config"); }),
                    {"\"unet_config\"", "missing"});
    auto edit_arch = [&](const std::string& key, const nlohmann::ordered_json& value) {
        return mutant(dir, "a.safetensors", [&](BundleBytes& b) {
            auto arch = b.meta_json("architecture");
            arch[key] = value;
            b.set_meta_json("architecture", arch);
        });
    };
    require_refused(edit_arch("knowledge_module", false), {"architecture.knowledge_module", "knowledge.*"});
    require_refused(edit_arch("sar_head", "yes"), {"architecture.sar_head", "true or false"});
    require_refused(edit_arch("unet_cross_attention_dim", 64), {"unet_cross_attention_dim", "32"});
    require_refused(edit_arch("extra", 1), {"architecture.extra", "unknown field"});
    require_refused(edit_arch("knowledge", {{"dim", 32.5}, {"heads", 4}}), {"architecture.knowledge.dim"});
    require_refused(edit_arch("knowledge", {{"dim", 32}, {"heads", 4}, {"attention_stride", 0}}),
                    {"architecture.knowledge.attention_stride"});
    require_refused(edit_arch("sar", {{"dim", 24}, {"heads", 2}, {"layers", 1}, {"window", 100000}}),
                    {"architecture.sar.window"});
    require_refused(edit_arch("sar", {{"dim", 24}, {"heads", 2}, {"layers", 1}, {"token_stride", 0}}),
                    {"architecture.sar.token_stride", "1..16"});
    require_refused(edit_arch("lora", {{"targets", "pisa-sr"}, {"adapters", {"default_encoder_pix:r4"}}}),
                    {"architecture.lora.adapters"});
}

TEST_CASE("a tensor name holding a newline is escaped: the error stays one line", "[sr][bundle][validate]") {
    TempDir dir;
    auto rename = [&](const std::string& from, const std::string& to) {
        return mutant(dir, "n.safetensors", [&](BundleBytes& b) {
            nlohmann::ordered_json header;
            for (auto& [key, value] : b.header.items()) header[key == from ? to : key] = value;
            b.header = header;
        });
    };
    // Before: the name was printed as is, the message spanning three lines.
    require_refused(rename("prompt_embeds", "prompt\nembeds\x1b"), {"unexpected tensor \"prompt\\nembeds\\x1b\""});
    require_refused(rename("knowledge.gamma_ir", "knowledge.gamma\nir"), {"knowledge."});
    require_refused(rename("unet.conv_in.lora_A.default_encoder_pix.weight", "unet.conv_in.lora_A.default\nencoder_pix.weight"),
                    {"default\\nencoder_pix"});
}

TEST_CASE("a FIFO, a folder or a device as a model or config file is refused at once", "[sr][bundle][validate]") {
    TempDir dir;
    const auto fifo = dir.file("model.safetensors");
    REQUIRE(mkfifo(fifo.c_str(), 0600) == 0);
    const auto start = std::chrono::steady_clock::now();
    // Before: open() blocked forever waiting for a writer.
    require_refused(fifo, {"is a FIFO, not a regular file"});
    CHECK_THROWS_AS(lssr::sr::SafetensorsFile("/dev/null"), lssr::InputError);
    CHECK_THROWS_AS(lssr::sr::SafetensorsFile(dir.path().string()), lssr::InputError);
    CHECK_THROWS_AS(lssr::sr::read_unet_config(fifo), lssr::InputError);
    const auto r = run_tool("lssr-upscale", {"--model", fifo, lssr::test::data_path("sd-tiny/lr.tif"), "-o",
                                             dir.file("sr.tif"), "-q"});
    CHECK(r.exit_code == 1);
    CHECK(r.err == "lssr-upscale: error: " + fifo + ": is a FIFO, not a regular file\n");
    const auto p = run_tool("lssr-upscale", {"--model", default_bundle(), "--prompt-embedding", fifo,
                                             lssr::test::data_path("sd-tiny/lr.tif"), "-o", dir.file("sr.tif"), "-q"});
    CHECK(p.exit_code == 1);
    CHECK(p.err.find("is a FIFO") != std::string::npos);
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(20));
}

TEST_CASE("lssr-model info on a file that is not a bundle is an error", "[sr][bundle][validate]") {
    TempDir dir;
    // Before: "{}" printed empty fields with exit status 0.
    const auto empty = dir.file("empty.safetensors");
    BundleBytes::write(empty, BundleBytes::assemble("{}", ""));
    auto r = run_tool("lssr-model", {"info", empty});
    CHECK(r.exit_code == 1);
    CHECK(r.out.empty());
    CHECK(r.err == "lssr-model: error: " + empty + ": not an LSSR bundle (its metadata has no \"format\"; a base "
                   "model's weights file goes with --base-model DIR)\n");
    const auto base = lssr::test::data_path("sd-tiny/base/unet/diffusion_pytorch_model.safetensors");
    r = run_tool("lssr-model", {"info", "--json", base});
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("not an LSSR bundle") != std::string::npos);
    r = run_tool("lssr-model", {"info", default_bundle()});
    CHECK(r.exit_code == 0);
    r = run_tool("lssr-model", {"pack", lssr::test::data_path("sd-tiny/base"), "-o", dir.file("p.safetensors"),
                                "--alpha", "nan"});
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("--alpha") != std::string::npos);
    CHECK_FALSE(fs::exists(dir.file("p.safetensors")));
}

TEST_CASE("LibTorch errors at the loading boundary become one line naming the file", "[sr][bundle][validate]") {
    try {
        lssr::sr::naming_file_on_error("model.safetensors", [] {
            TORCH_CHECK(false, "The size of tensor a (3) must match\nthe size of tensor b (4)");
        });
        FAIL("no error");
    } catch (const lssr::DetailedInputError& e) {
        const std::string message = e.what();
        CHECK(message == "model.safetensors: The size of tensor a (3) must match the size of tensor b (4)");
        CHECK(e.details().find("must match") != std::string::npos);
    }
    CHECK_THROWS_AS(lssr::sr::naming_file_on_error("m", []() -> int { throw std::bad_alloc(); }), lssr::InputError);
}

TEST_CASE("base configs: sizes and numbers are bounded before any network is built", "[sr][bundle][validate]") {
    const std::string blocks = R"("down_block_types": ["DownBlock2D"], "up_block_types": ["UpBlock2D"], "norm_num_groups": 8)";
    auto refused = [&](const std::string& fields, const std::string& what) {
        try {
            lssr::sr::parse_unet_config("{" + blocks + ", " + fields + "}", "cfg.json");
            FAIL("accepted: " << fields);
        } catch (const lssr::InputError& e) {
            INFO(e.what());
            CHECK(std::string(e.what()).find(what) != std::string::npos);
        }
    };
    CHECK_NOTHROW(lssr::sr::parse_unet_config("{" + blocks + R"(, "block_out_channels": [64], "attention_head_dim": 8})", "cfg.json"));
    // Before: 4294967360 wrapped to 64 through get<int>; 1e999 read as inf.
    refused(R"("block_out_channels": [4294967360], "attention_head_dim": 8)", "block_out_channels is 4294967360, outside 1..65536");
    refused(R"("block_out_channels": [131072], "attention_head_dim": 8)", "outside 1..65536");
    refused(R"("block_out_channels": [64], "attention_head_dim": 8, "layers_per_block": 100000)", "layers_per_block");
    refused(R"("block_out_channels": [64], "attention_head_dim": 8, "norm_eps": -1)", "norm_eps");
    refused(R"("block_out_channels": [64], "attention_head_dim": 8, "norm_eps": 1e999)", "cfg.json: not a JSON object");
    refused(R"("block_out_channels": [64], "attention_head_dim": 8, "downsample_padding": 2)", "downsample_padding");
    refused(R"("block_out_channels": [64], "attention_head_dim": 8, "cross_attention_dim": 0)", "cross_attention_dim");
    const std::string seven = R"({"block_out_channels": [8, 8, 8, 8, 8, 8, 8], "norm_num_groups": 8,
        "down_block_types": ["DownEncoderBlock2D", "DownEncoderBlock2D", "DownEncoderBlock2D", "DownEncoderBlock2D",
                             "DownEncoderBlock2D", "DownEncoderBlock2D", "DownEncoderBlock2D"],
        "up_block_types": ["UpDecoderBlock2D", "UpDecoderBlock2D", "UpDecoderBlock2D", "UpDecoderBlock2D",
                           "UpDecoderBlock2D", "UpDecoderBlock2D", "UpDecoderBlock2D"]})";
    CHECK_THROWS_AS(lssr::sr::parse_vae_config(seven, "v.json"), lssr::InputError);
}
