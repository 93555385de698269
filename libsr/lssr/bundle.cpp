#include "libsr/lssr/bundle.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>
#include <nlohmann/json.hpp>

#include "libio/core/error_text.hpp"
#include "libio/gdal/text_file.hpp"
#include "libsr/lssr/bundle_checks.hpp"
#include "libsr/lssr/lora.hpp"
#include "libsr/lssr/model_input.hpp"
#include "libsr/model/safetensors_torch.hpp"
#include "libsr/formats/sha256.hpp"
#include "libsr/model/state_dict.hpp"
#include "libsr/model/tensor_key.hpp"
#include "libsr/model/torch_errors.hpp"
#include "libio/core/scale.hpp"

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace lssr::sr {
namespace {

bool starts_with(const std::string& s, const std::string& p) { return s.rfind(p, 0) == 0; }
bool is_lora(const std::string& name) { return name.find(".lora_A.") != std::string::npos || name.find(".lora_B.") != std::string::npos; }

// Appends one part's tensors, named as the model's module tree names them.
void add_section(NamedTensors& out, SrModel& model, SrPart part) {
    for (auto& entry : model.state(part)) out.push_back(std::move(entry));
}

std::string prefix_of(SrPart part) { return SrModel::part_prefix(part); }

// Every tensor of `m` (a meta-device module will do: nothing is read) must be
// "<prefix><name>" in the file with its shape, and the file may hold nothing
// else under the prefix (LoRA aside).
void check_section(torch::nn::Module& m, const SafetensorsFile& file, const std::string& prefix) {
    std::set<std::string> wanted;
    for (const auto& key : module_tensor_keys(m)) {
        const std::string name = prefix + key.name;
        wanted.insert(name);
        const auto* info = file.find(name);
        if (!info) throw InputError(file.path() + ": missing tensor " + quoted_name(name));
        if (info->shape != key.shape)
            throw InputError(file.path() + ": tensor " + quoted_name(name) + " has shape " + format_shape(info->shape) +
                             " but the model needs " + format_shape(key.shape));
    }
    for (const auto& t : file.tensors())
        if (starts_with(t.name, prefix) && !is_lora(t.name) && !wanted.count(t.name))
            throw InputError(file.path() + ": unexpected tensor " + quoted_name(t.name));
}

// Checks, then loads every parameter and buffer of `m` (float weights, finite, bounded).
void load_section(torch::nn::Module& m, const SafetensorsFile& file, const std::string& prefix) {
    check_section(m, file, prefix);
    torch::NoGradGuard no_grad;
    auto load = [&](const std::string& key, torch::Tensor& target) {
        target.copy_(load_weight_tensor(file, *file.find(prefix + key)));
    };
    for (auto& p : m.named_parameters()) load(p.key(), p.value());
    for (auto& b : m.named_buffers()) load(b.key(), b.value());
}

bool has_prefix(const SafetensorsFile& file, const std::string& prefix) {
    for (const auto& t : file.tensors())
        if (starts_with(t.name, prefix)) return true;
    return false;
}

std::string utc_now() {
    char buf[32];
    const std::time_t t = std::time(nullptr);
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
    return buf;
}

}  // namespace

void write_bundle(const std::string& path, SrModel& model, const BundleWriteOptions& options) {
    // What load_bundle accepts, so that no bundle is written that cannot be read back.
    if (!(std::isfinite(options.lora_alpha) && options.lora_alpha > 0 && options.lora_alpha <= kMaxLoraAlpha))
        throw OptionError("LoRA alpha must be a number in (0, 10000]");
    if (model.timestep() < 0 || model.timestep() > 999) throw OptionError("the timestep must be in 0..999");
    const auto files = base_model_files(options.base_dir);
    NamedTensors tensors;
    for (auto& [name, t] : model.lora_parameters()) tensors.emplace_back(name, t.detach().to(torch::kCPU));
    add_section(tensors, model, SrPart::Knowledge);
    add_section(tensors, model, SrPart::SarHead);
    tensors.emplace_back("prompt_embeds", model.prompt().to(torch::kCPU));
    std::map<std::string, std::string> meta;
    json arch = {{"type", "lssr-one-step"},
                 {"residual", input_normalisation(model.base()) == InputNormalisation::TileBand
                                  ? "x + decode(z - UNet(z, t, prompt)) - decode(z), x the tile's bicubic x3"
                                  : "z - UNet(z, t, prompt)"},
                 {"lora", {{"targets", "pisa-sr"}, {"adapters", json::array()}}},
                 {"knowledge_module", static_cast<bool>(model.knowledge)},
                 {"sar_head", static_cast<bool>(model.sar_head)},
                 {"unet_cross_attention_dim", model.base().unet->config().cross_attention_dim}};
    std::set<std::string> adapters;
    for (const auto& [name, t] : tensors)
        if (name.find(".lora_A.") != std::string::npos) {
            const auto a = name.substr(name.find(".lora_A.") + 8);
            adapters.insert(a.substr(0, a.size() - 7) + ":r" + std::to_string(t.size(0)));
        }
    for (const auto& a : adapters) arch["lora"]["adapters"].push_back(a);
    if (model.knowledge)
        arch["knowledge"] = {{"dim", model.knowledge->dim()},
                             {"heads", model.knowledge->heads()},
                             {"attention_stride", model.knowledge->attention_stride()}};
    if (model.sar_head) {
        const auto& sh = model.sar_head->shape();
        arch["sar"] = {{"dim", sh.dim}, {"heads", sh.heads}, {"layers", sh.layers}, {"window", sh.window}};
        if (sh.token_stride != 1) arch["sar"]["token_stride"] = sh.token_stride;  // absent: the authors' layout
    }
    meta["format"] = kBundleFormat;
    meta["architecture"] = arch.dump();
    meta["band_roles"] = json{{"rgb", {"red", "green", "blue"}}, {"ir", {"nir", "swir1", "swir2"}}}.dump();
    const std::string side_inputs =
        "; DEM clamp [0,300] m to [-1,1]; land cover as class index; S1 dB -> linear / tile max -> [-1,1]";
    meta["normalisation"] =
        input_normalisation(model.base()) == InputNormalisation::TileBand
            ? "tile-band: per tile and band over the LR tile, x = (rho - mean) / (3 * max(std, 0.005)) of rho "
              "clamped to [0,2], bicubic x3 (align_corners false); output rho = mean + 3 * max(std, 0.005) * "
              "(x + decode(z - eps) - decode(z)), a residual over the tile's bicubic x3" + side_inputs
            : std::string(kLegacyFixedNormalisation) + ", bilinear x3 (align_corners false)" + side_inputs;
    meta["scale_factor"] = std::to_string(kScaleFactor);
    meta["timestep"] = std::to_string(model.timestep());
    std::ostringstream alpha;
    alpha << options.lora_alpha;
    meta["lora_alpha"] = alpha.str();
    meta["base_sha256"] = sha256_files({files.unet_config, files.unet_weights, files.vae_config, files.vae_weights});
    json prov = options.provenance;
    if (!prov.contains("created")) prov["created"] = utc_now();
    meta["provenance"] = prov.dump();
    if (options.embed_base) {
        meta["base"] = "embedded";
        meta["unet_config"] = io::read_text_file(files.unet_config);
        meta["vae_config"] = io::read_text_file(files.vae_config);
        add_section(tensors, model, SrPart::Unet);
        add_section(tensors, model, SrPart::Vae);
    } else {
        meta["base"] = "external";
        meta["base_path"] = fs::absolute(options.base_dir).lexically_normal().string();
    }
    SafetensorsWriteOptions w;
    w.overwrite = options.overwrite;
    write_safetensors(path, tensors, meta, w);
}

namespace {

// What an adapter or bundle file adds to a model: LoRA, knowledge module, SAR head.
void apply_adapters(SrModel& model, const SafetensorsFile& file) {
    const double alpha = lora_alpha_of(file);
    NamedTensors lora;
    // Bundles prefix UNet keys with "unet."; PiSA-SR/LSSR checkpoints flattened
    // to safetensors carry PEFT's names bare or under "state_dict_unet.".
    for (const auto& t : file.tensors()) {
        if (!is_lora(t.name)) continue;
        std::string name = t.name;
        for (const std::string& prefix : {prefix_of(SrPart::Unet), std::string("state_dict_unet.")})
            if (starts_with(name, prefix)) name = name.substr(prefix.size());
        lora.emplace_back(escape_control(name), load_weight_tensor(file, t));
    }
    auto& unet = *model.base().unet;
    load_lora_state(unet, lora, alpha, file.path());
    lora_to(unet, model.device());
    const auto arch = architecture_of(file);
    if (has_prefix(file, prefix_of(SrPart::Knowledge))) {
        model.knowledge = build_knowledge(file, arch, model.base().unet->config().in_channels);
        load_section(*model.knowledge, file, prefix_of(SrPart::Knowledge));
        model.knowledge->eval();
        model.knowledge->to(model.device());
    }
    if (has_prefix(file, prefix_of(SrPart::SarHead))) {
        model.sar_head = build_sar_head(file, arch);
        load_section(*model.sar_head, file, prefix_of(SrPart::SarHead));
        model.sar_head->eval();
        model.sar_head->to(model.device());
    }
}

// The embedded base: configs from the metadata, checked against the file's
// shapes on the meta device before the networks are allocated.
BaseModel embedded_base(const SafetensorsFile& file) {
    const auto& meta = file.metadata();
    const auto unet_config = parse_unet_config(meta.at("unet_config"), file.path() + ": unet_config");
    const auto vae_config = parse_vae_config(meta.at("vae_config"), file.path() + ": vae_config");
    check_sr_base(unet_config, vae_config, file.path());
    check_section(*UNet2DConditionModel(unet_config, ParamOptions::meta()), file, prefix_of(SrPart::Unet));
    check_section(*AutoencoderKL(vae_config, ParamOptions::meta()), file, prefix_of(SrPart::Vae));
    BaseModel base;
    base.unet = UNet2DConditionModel(unet_config);
    base.vae = AutoencoderKL(vae_config);
    load_section(*base.unet, file, prefix_of(SrPart::Unet));
    load_section(*base.vae, file, prefix_of(SrPart::Vae));
    base.scaling_factor = vae_config.scaling_factor;
    base.unet->eval();
    base.vae->eval();
    return base;
}

SrModel read_bundle(const std::string& path, const std::string& base_override) {
    SafetensorsFile file(path);
    require_bundle(file);
    const auto& meta = file.metadata();
    const int64_t timestep = bundle_timestep(file);
    BaseModel base;
    if (!base_override.empty() || meta.at("base") != "embedded") {
        std::string dir = base_override;
        if (dir.empty()) {
            dir = meta.at("base_path");
            if (fs::path(dir).is_relative()) dir = (fs::path(path).parent_path() / dir).string();
        }
        base = load_base_model(dir);
    } else {
        base = embedded_base(file);
    }
    const int64_t width = base.unet->config().cross_attention_dim;
    check_architecture(file, architecture_of(file), width);
    if (bundle_normalisation(file) != input_normalisation(base))
        throw InputError(path + ": the bundle was trained with " + normalisation_name(bundle_normalisation(file)) +
                         " inputs but its base's VAE takes " + normalisation_name(input_normalisation(base)) +
                         " ones (lssr_normalisation in vae/config.json)");
    torch::Tensor prompt = zero_prompt_embedding(width);
    if (file.find("prompt_embeds")) prompt = load_prompt_embedding(path, width);
    SrModel model(std::move(base), prompt, timestep);
    apply_adapters(model, file);
    return model;
}

}  // namespace

void apply_adapter_file(SrModel& model, const std::string& path) {
    naming_file_on_error(path, [&] { apply_adapters(model, SafetensorsFile(path)); });
}

SrModel load_bundle(const std::string& path, const std::string& base_override) {
    return naming_file_on_error(path, [&] { return read_bundle(path, base_override); });
}

BundleSummary summarize_bundle(const std::string& path) {
    SafetensorsFile file(path);
    require_bundle(file);
    BundleSummary s;
    s.metadata = file.metadata();
    std::set<std::string> lora_layers;
    for (const auto& t : file.tensors()) {
        long long n = 1;
        for (auto d : t.shape) n *= d;
        if (is_lora(t.name)) {
            const auto at = t.name.find(".lora_");
            const auto rest = t.name.substr(at + 8);
            s.lora_params[rest.substr(0, rest.size() - 7)] += n;
            lora_layers.insert(t.name.substr(0, at));
        } else if (starts_with(t.name, prefix_of(SrPart::Unet))) s.base_unet_params += n;
        else if (starts_with(t.name, prefix_of(SrPart::Vae))) s.base_vae_params += n;
        else if (starts_with(t.name, prefix_of(SrPart::Knowledge))) s.knowledge_params += n;
        else if (starts_with(t.name, prefix_of(SrPart::SarHead))) s.sar_params += n;
        else if (t.name == "prompt_embeds") s.prompt_params += n;
    }
    s.lora_modules = static_cast<int>(lora_layers.size());
    s.sha256 = sha256_files({path});
    s.bytes = static_cast<long long>(fs::file_size(path));
    return s;
}

}  // namespace lssr::sr
