// lssr-model: inspect Stable-Diffusion base models and LSSR model bundles.
//   lssr-model keys DIR       one line per tensor "<component>.<name>\t[d0, d1, ...]"
//   lssr-model info BUNDLE    architecture, parameter counts, provenance, hash
//   lssr-model pack DIR -o B  a fresh (untrained) bundle on a base model
//   lssr-model init CONFIGS -o DIR  a base of fresh weights from diffusers configs
//   lssr-model throughput     this machine's fp32 convolution GFLOP/s (JSON)
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "apps/common/tool.hpp"
#include "libio/core/errors.hpp"
#include "libsr/model/base_model.hpp"
#include "libsr/model/base_model_keys.hpp"
#include "libsr/lssr/bundle.hpp"
#include "libsr/lssr/bundle_pack.hpp"
#include "libsr/model/conv_throughput.hpp"

namespace {

std::string group_digits(long long n) {
    std::string s = std::to_string(n), out;
    for (size_t i = 0; i < s.size(); ++i) {
        if (i && (s.size() - i) % 3 == 0) out += ',';
        out += s[i];
    }
    return out;
}

std::string describe_bundle(const std::string& path, bool as_json) {
    const auto s = lssr::sr::summarize_bundle(path);
    auto meta = [&](const std::string& key) {
        const auto it = s.metadata.find(key);
        return it == s.metadata.end() ? std::string() : it->second;
    };
    long long lora_total = 0;
    for (const auto& [name, n] : s.lora_params) lora_total += n;
    nlohmann::json j;
    j["file"] = path;
    j["bytes"] = s.bytes;
    j["sha256"] = s.sha256;
    j["format"] = meta("format");
    j["base"] = meta("base") == "embedded" ? nlohmann::json("embedded") : nlohmann::json(meta("base_path"));
    j["base_sha256"] = meta("base_sha256");
    j["timestep"] = meta("timestep");
    j["lora_alpha"] = meta("lora_alpha");
    for (const char* key : {"architecture", "band_roles", "provenance"}) {
        const auto text = meta(key);
        j[key] = nlohmann::json::accept(text) ? nlohmann::json::parse(text) : nlohmann::json(text);
    }
    j["parameters"] = {{"base_unet", s.base_unet_params}, {"base_vae", s.base_vae_params},
                       {"lora", lora_total},          {"lora_by_adapter", s.lora_params},
                       {"lora_layers", s.lora_modules}, {"knowledge_module", s.knowledge_params},
                       {"sar_head", s.sar_params},    {"prompt_embedding", s.prompt_params}};
    if (as_json) return j.dump(2) + "\n";
    std::ostringstream o;
    o << "file:          " << path << " (" << group_digits(s.bytes) << " bytes)\n"
      << "sha256:        " << s.sha256 << "\n"
      << "format:        " << meta("format") << "\n"
      << "base:          " << (meta("base") == "embedded" ? "embedded" : "external " + meta("base_path")) << "\n"
      << "base sha256:   " << meta("base_sha256") << "\n"
      << "architecture:  " << meta("architecture") << "\n"
      << "band roles:    " << meta("band_roles") << "\n"
      << "scale factor:  " << meta("scale_factor") << ", timestep " << meta("timestep") << ", lora_alpha "
      << meta("lora_alpha") << "\n"
      << "normalisation: " << meta("normalisation") << "\n"
      << "parameters:\n"
      << "  base UNet      " << group_digits(s.base_unet_params) << "\n"
      << "  base VAE       " << group_digits(s.base_vae_params) << "\n"
      << "  LoRA           " << group_digits(lora_total) << " on " << s.lora_modules << " layers\n";
    for (const auto& [name, n] : s.lora_params) o << "    " << name << "  " << group_digits(n) << "\n";
    o << "  knowledge      " << group_digits(s.knowledge_params) << "\n"
      << "  SAR head       " << group_digits(s.sar_params) << "\n"
      << "  prompt         " << group_digits(s.prompt_params) << "\n"
      << "provenance:    " << meta("provenance") << "\n";
    return o.str();
}

}  // namespace

int main(int argc, char** argv) {
    lssr::app::Tool tool("lssr-model", "Inspect Stable-Diffusion base models and LSSR model bundles.");
    auto& cli = tool.cli();
    cli.require_subcommand(1);

    std::string keys_dir;
    auto* keys = cli.add_subcommand(
        "keys",
        "List the tensors of a base model folder as NAME<TAB>[SHAPE] (from config.json; weights checked)");
    keys->add_option("DIR", keys_dir, "Base model folder holding unet/ and vae/")->required();

    std::string info_bundle;
    bool info_json = false;
    auto* info = cli.add_subcommand("info", "Describe a model bundle: architecture, parameter counts, provenance, hash");
    info->add_option("BUNDLE", info_bundle, "LSSR model bundle (.safetensors)")->required();
    info->add_flag("--json", info_json, "Print JSON instead of text");

    lssr::sr::PackOptions pack_options;
    auto* pack = cli.add_subcommand("pack", "Write a fresh bundle on a base model: LoRA with B = 0 (output unchanged)");
    pack->add_option("DIR", pack_options.base_dir, "Base model folder")->required();
    pack->add_option("-o,--output", pack_options.output, "Bundle to write")->required();
    pack->add_option("--rank", pack_options.rank, "LoRA rank of both branches (default 4)")->check(CLI::PositiveNumber);
    pack->add_option("--alpha", pack_options.alpha, "LoRA alpha (default 8: scaling alpha/rank)");
    pack->add_option("--prompt-embedding", pack_options.prompt, "prompt_embeds file to store (default zeros)");
    pack->add_flag("--embed-base", pack_options.embed_base, "Store the base weights in the bundle (else a reference to DIR)");
    pack->add_flag("--knowledge", pack_options.knowledge, "Add a knowledge module (DEM, land cover, month)");
    pack->add_flag("--sar", pack_options.sar, "Add a SAR head");
    pack->add_option("--seed", pack_options.seed, "Seed of the initialisation (default 0)");
    double throughput_seconds = 1.5;
    std::string init_configs, init_output;
    uint64_t init_seed = 0;
    auto* init = cli.add_subcommand(
        "init", "Write a base model of fresh weights from the unet/ and vae/ config.json files of a folder");
    init->add_option("CONFIGS", init_configs, "Folder holding unet/config.json and vae/config.json")->required();
    init->add_option("-o,--output", init_output, "Base model folder to write")->required();
    init->add_option("--seed", init_seed, "Seed of the initialisation (default 0)");

    auto* throughput = cli.add_subcommand(
        "throughput", "Measure this machine's fp32 convolution throughput on --threads cores (JSON): the limit for a model");
    throughput->add_option("--seconds", throughput_seconds, "Seconds per measurement (default 1.5)")
        ->check(CLI::Range(0.1, 600.0));
    tool.add_overwrite_flag();
    // Common flags (-q, --overwrite, ...) may follow the subcommand.
    for (auto* sub : {keys, info, pack, init, throughput}) sub->fallthrough();

    return tool.run(argc, argv, [&]() {
        if (*info) {
            std::cout << describe_bundle(info_bundle, info_json) << std::flush;
            return std::cout ? 0 : 1;
        }
        if (*throughput) {
            const auto t = lssr::sr::measure_conv_throughput(tool.common().threads, throughput_seconds);
            const nlohmann::json j{{"threads", t.threads},
                                   {"kernel", t.kernel},
                                   {"intra_op_gflops", t.intra_op_gflops},
                                   {"parallel_gflops", t.parallel_gflops},
                                   {"best_gflops", t.best_gflops()}};
            std::cout << j.dump(2) << '\n' << std::flush;
            return std::cout ? 0 : 1;
        }
        if (*init) {
            lssr::sr::init_base_model(init_configs, init_output, init_seed, tool.common().overwrite);
            tool.info(init_output + ": written");
            return 0;
        }
        if (*pack) {
            pack_options.tool = lssr::app::version_string("lssr-model");
            pack_options.overwrite = tool.common().overwrite;
            lssr::sr::pack_bundle(pack_options);
            tool.info(pack_options.output + ": written");
            return 0;
        }
        std::ostringstream out;
        for (const auto& key : lssr::sr::list_base_model_keys(keys_dir))
            out << key.name << '\t' << lssr::sr::format_shape(key.shape) << '\n';
        std::cout << out.str() << std::flush;
        return std::cout ? 0 : 1;
    });
}
