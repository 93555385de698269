#include "libsr/bundle.hpp"

#include <ctime>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "libio/errors.hpp"
#include "libio/text_file.hpp"
#include "libsr/lora.hpp"
#include "libsr/safetensors_torch.hpp"
#include "libsr/sha256.hpp"
#include "libsr/state_dict.hpp"
#include "libsr/tensor_key.hpp"

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace lssr::sr {
namespace {

bool starts_with(const std::string& s, const std::string& p) { return s.rfind(p, 0) == 0; }
bool is_lora(const std::string& name) { return name.find(".lora_A.") != std::string::npos || name.find(".lora_B.") != std::string::npos; }

// Appends the module's tensors under the prefix.
void add_section(NamedTensors& out, torch::nn::Module& m, const std::string& prefix) {
    for (auto& entry : module_state(m, prefix)) out.push_back(std::move(entry));
}

// Loads every parameter of `m` from "<prefix><name>" tensors of the file;
// tensors under the prefix that `m` lacks (LoRA aside) are an error too.
void load_section(torch::nn::Module& m, const SafetensorsFile& file, const std::string& prefix) {
    std::set<std::string> wanted;
    torch::NoGradGuard no_grad;
    auto load = [&](const std::string& key, torch::Tensor& target) {
        const std::string name = prefix + key;
        wanted.insert(name);
        const auto* info = file.find(name);
        if (!info) throw InputError(file.path() + ": missing tensor \"" + name + "\"");
        if (info->shape != target.sizes().vec())
            throw InputError(file.path() + ": tensor \"" + name + "\" has shape " + format_shape(info->shape) +
                             " but the model needs " + format_shape(target.sizes().vec()));
        target.copy_(load_float_tensor(file, *info));
    };
    for (auto& p : m.named_parameters()) load(p.key(), p.value());
    for (auto& b : m.named_buffers()) load(b.key(), b.value());
    for (const auto& t : file.tensors())
        if (starts_with(t.name, prefix) && !is_lora(t.name) && !wanted.count(t.name))
            throw InputError(file.path() + ": unexpected tensor \"" + t.name + "\"");
}

bool has_prefix(const SafetensorsFile& file, const std::string& prefix) {
    for (const auto& t : file.tensors())
        if (starts_with(t.name, prefix)) return true;
    return false;
}

double metadata_number(const SafetensorsFile& file, const std::string& key, double fallback) {
    const auto it = file.metadata().find(key);
    if (it == file.metadata().end()) return fallback;
    try {
        size_t used = 0;
        const double v = std::stod(it->second, &used);
        if (used == it->second.size()) return v;
    } catch (const std::exception&) {
    }
    throw InputError(file.path() + ": metadata " + key + " is not a number: \"" + it->second + "\"");
}

// The "architecture" metadata as JSON ({} when absent: older bundles and bare adapter files).
json architecture_of(const SafetensorsFile& file) {
    const auto it = file.metadata().find("architecture");
    if (it == file.metadata().end()) return json::object();
    try {
        auto j = json::parse(it->second);
        if (j.is_object()) return j;
    } catch (const json::exception&) {
    }
    throw InputError(file.path() + ": metadata \"architecture\" is not a JSON object");
}

// A positive integer size from the architecture (side-module shapes), else the authors' default.
int64_t shape_value(const json& j, const char* key, int64_t fallback, const std::string& where) {
    if (!j.is_object() || !j.contains(key)) return fallback;
    const auto& v = j.at(key);
    if (!v.is_number_integer() || v.get<int64_t>() < 1)
        throw InputError(where + ": architecture value \"" + std::string(key) + "\" must be a positive integer");
    return v.get<int64_t>();
}

std::string utc_now() {
    char buf[32];
    const std::time_t t = std::time(nullptr);
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
    return buf;
}

}  // namespace

void write_bundle(const std::string& path, SrModel& model, const BundleWriteOptions& options) {
    const auto files = base_model_files(options.base_dir);
    NamedTensors tensors;
    for (auto& [name, t] : lora_state(*model.base().unet)) tensors.emplace_back("unet." + name, t.detach().to(torch::kCPU));
    if (model.knowledge) add_section(tensors, *model.knowledge, "knowledge.");
    if (model.sar_head) add_section(tensors, *model.sar_head, "post_fusion.");
    tensors.emplace_back("prompt_embeds", model.prompt().to(torch::kCPU));
    std::map<std::string, std::string> meta;
    json arch = {{"type", "lssr-one-step"},
                 {"residual", "z - UNet(z, t, prompt)"},
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
    }
    meta["format"] = kBundleFormat;
    meta["architecture"] = arch.dump();
    meta["band_roles"] = json{{"rgb", {"red", "green", "blue"}}, {"ir", {"nir", "swir1", "swir2"}}}.dump();
    meta["normalisation"] =
        "reflectance clamped to [0,1], x = 2*rho - 1, bilinear x3 (align_corners false); DEM clamp [0,300] m to "
        "[-1,1]; land cover as class index; S1 dB -> linear / tile max -> [-1,1]";
    meta["scale_factor"] = "3";
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
        add_section(tensors, *model.base().unet, "unet.");
        add_section(tensors, *model.base().vae, "vae.");
    } else {
        meta["base"] = "external";
        meta["base_path"] = fs::absolute(options.base_dir).lexically_normal().string();
    }
    SafetensorsWriteOptions w;
    w.overwrite = options.overwrite;
    write_safetensors(path, tensors, meta, w);
}

void apply_adapter_file(SrModel& model, const std::string& path) {
    SafetensorsFile file(path);
    const double alpha = metadata_number(file, "lora_alpha", 8.0);
    NamedTensors lora;
    // Bundles prefix UNet keys with "unet."; PiSA-SR/LSSR checkpoints flattened
    // to safetensors carry PEFT's names bare or under "state_dict_unet.".
    for (const auto& t : file.tensors()) {
        if (!is_lora(t.name)) continue;
        std::string name = t.name;
        for (const char* prefix : {"unet.", "state_dict_unet."})
            if (starts_with(name, prefix)) name = name.substr(std::string(prefix).size());
        lora.emplace_back(name, load_float_tensor(file, t));
    }
    auto& unet = *model.base().unet;
    load_lora_state(unet, lora, alpha, path);
    lora_to(unet, model.device());
    const auto arch = architecture_of(file);
    if (has_prefix(file, "knowledge.")) {
        const auto k = arch.value("knowledge", json::object());
        model.knowledge = KnowledgeModule(static_cast<int64_t>(model.base().unet->config().in_channels),
                                          shape_value(k, "dim", 256, path), shape_value(k, "heads", 4, path),
                                          shape_value(k, "attention_stride", 1, path));
        load_section(*model.knowledge, file, "knowledge.");
        model.knowledge->eval();
        model.knowledge->to(model.device());
    }
    if (has_prefix(file, "post_fusion.")) {
        const auto a = arch.value("sar", json::object());
        model.sar_head = SarHead(3, 2, shape_value(a, "dim", 96, path), shape_value(a, "heads", 6, path),
                                 shape_value(a, "layers", 2, path), shape_value(a, "window", 12, path));
        load_section(*model.sar_head, file, "post_fusion.");
        model.sar_head->eval();
        model.sar_head->to(model.device());
    }
}

SrModel load_bundle(const std::string& path, const std::string& base_override) {
    SafetensorsFile file(path);
    const auto& meta = file.metadata();
    const auto get = [&](const std::string& key) {
        const auto it = meta.find(key);
        if (it == meta.end()) throw InputError(path + ": not an LSSR bundle (metadata has no \"" + key + "\")");
        return it->second;
    };
    if (get("format") != kBundleFormat) throw InputError(path + ": unknown bundle format \"" + get("format") + "\"");
    const auto timestep = static_cast<int64_t>(metadata_number(file, "timestep", 1));
    BaseModel base;
    if (!base_override.empty() || get("base") != "embedded") {
        std::string dir = base_override;
        if (dir.empty()) {
            dir = get("base_path");
            if (fs::path(dir).is_relative()) dir = (fs::path(path).parent_path() / dir).string();
        }
        base = load_base_model(dir);
    } else {
        base.unet = UNet2DConditionModel(parse_unet_config(get("unet_config"), path + " (unet_config)"));
        base.vae = AutoencoderKL(parse_vae_config(get("vae_config"), path + " (vae_config)"));
        load_section(*base.unet, file, "unet.");
        load_section(*base.vae, file, "vae.");
        base.scaling_factor = base.vae->config().scaling_factor;
        base.unet->eval();
        base.vae->eval();
    }
    const int64_t width = base.unet->config().cross_attention_dim;
    torch::Tensor prompt = zero_prompt_embedding(width);
    if (file.find("prompt_embeds")) prompt = load_prompt_embedding(path, width);
    SrModel model(std::move(base), prompt, timestep);
    apply_adapter_file(model, path);
    return model;
}

BundleSummary summarize_bundle(const std::string& path) {
    SafetensorsFile file(path);
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
        } else if (starts_with(t.name, "unet.")) s.base_unet_params += n;
        else if (starts_with(t.name, "vae.")) s.base_vae_params += n;
        else if (starts_with(t.name, "knowledge.")) s.knowledge_params += n;
        else if (starts_with(t.name, "post_fusion.")) s.sar_params += n;
        else if (t.name == "prompt_embeds") s.prompt_params += n;
    }
    s.lora_modules = static_cast<int>(lora_layers.size());
    s.sha256 = sha256_files({path});
    s.bytes = static_cast<long long>(fs::file_size(path));
    return s;
}

}  // namespace lssr::sr
