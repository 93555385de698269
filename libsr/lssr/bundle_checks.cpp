#include "libsr/lssr/bundle_checks.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>
#include <optional>
#include <set>
#include <nlohmann/json.hpp>

#include "libio/core/error_text.hpp"
#include "libsr/lssr/bundle.hpp"
#include "libsr/model/tensor_key.hpp"
#include "libio/core/scale.hpp"

namespace lssr::sr {

using json = nlohmann::json;

std::string quoted_name(const std::string& name) { return "\"" + escape_control(name) + "\""; }

namespace {

bool starts_with(const std::string& s, const std::string& p) { return s.rfind(p, 0) == 0; }

bool has_prefix(const SafetensorsFile& file, const std::string& prefix) {
    for (const auto& t : file.tensors())
        if (starts_with(t.name, prefix)) return true;
    return false;
}

[[noreturn]] void bad_field(const SafetensorsFile& file, const std::string& field, const std::string& problem) {
    throw InputError(file.path() + ": metadata " + field + " " + problem);
}

// The whole string as a finite double, else nullopt ("nan", "1e999", "8x" are not).
std::optional<double> parse_finite(const std::string& text) {
    if (text.empty() || std::isspace(static_cast<unsigned char>(text.front()))) return std::nullopt;
    try {
        size_t used = 0;
        const double v = std::stod(text, &used);
        if (used == text.size() && std::isfinite(v)) return v;
    } catch (const std::exception&) {
    }
    return std::nullopt;
}

// A metadata value holding JSON of the given kind ("object", "array").
json metadata_json(const SafetensorsFile& file, const std::string& key) {
    const auto it = file.metadata().find(key);
    if (it == file.metadata().end()) return json::object();
    const auto j = json::parse(it->second, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded() || !j.is_object()) bad_field(file, key, "is not a JSON object");
    return j;
}

// Side modules are built from these sizes before their tensors are read, so
// each is bounded here and then checked against the file's shapes.
constexpr int64_t kMaxSideWidth = 1 << 16;

int64_t shape_value(const SafetensorsFile& file, const json& j, const std::string& section, const char* key,
                    int64_t fallback, int64_t max) {
    if (!j.contains(key)) return fallback;
    const auto& v = j.at(key);
    const std::string field = "architecture." + section + "." + key;
    if (!v.is_number_integer() || v.is_number_float())
        bad_field(file, field, "is " + v.dump() + "; it must be an integer 1.." + std::to_string(max));
    const bool huge = v.is_number_unsigned() && v.get<uint64_t>() > static_cast<uint64_t>(max);
    if (huge || v.get<int64_t>() < 1 || v.get<int64_t>() > max)
        bad_field(file, field, "is " + v.dump() + "; it must be an integer 1.." + std::to_string(max));
    return v.get<int64_t>();
}

// The file's tensor `name` must have `shape`, which follows from a declared size.
void expect_shape(const SafetensorsFile& file, const std::string& name, const std::vector<int64_t>& shape,
                  const std::string& declared) {
    const auto* info = file.find(name);
    if (!info) throw InputError(file.path() + ": missing tensor " + quoted_name(name) + " (" + declared + ")");
    if (info->shape != shape)
        throw InputError(file.path() + ": metadata declares " + declared + " but tensor " + quoted_name(name) +
                         " has shape " + format_shape(info->shape) + " (expected " + format_shape(shape) + ")");
}

void check_heads(const SafetensorsFile& file, const std::string& section, int64_t dim, int64_t heads) {
    if (dim % heads != 0)
        bad_field(file, "architecture." + section + ".heads",
                  "is " + std::to_string(heads) + ", which does not divide the width " + std::to_string(dim));
}

// "knowledge_module": true must come with knowledge.* tensors, false without.
void check_declared_module(const SafetensorsFile& file, const json& arch, const char* key, const std::string& prefix) {
    if (!arch.contains(key)) return;
    if (!arch[key].is_boolean()) bad_field(file, std::string("architecture.") + key, "must be true or false");
    if (arch[key].get<bool>() != has_prefix(file, prefix))
        bad_field(file, std::string("architecture.") + key,
                  std::string(arch[key].get<bool>() ? "is true but the file holds no " : "is false but the file holds ") +
                      prefix + "* tensors");
}

// "lora": {"targets": "pisa-sr", "adapters": ["<name>:r<rank>", ...]} must list the file's adapters.
void check_declared_lora(const SafetensorsFile& file, const json& arch) {
    if (!arch.contains("lora")) return;
    const auto& l = arch["lora"];
    if (!l.is_object()) bad_field(file, "architecture.lora", "is not a JSON object");
    for (const auto& [key, v] : l.items()) {
        if (key == "targets" && v.is_string()) continue;
        if (key == "adapters" && v.is_array()) continue;
        bad_field(file, "architecture.lora." + escape_control(key), "is unknown or of the wrong type");
    }
    if (!l.contains("adapters")) return;
    std::map<std::string, int64_t> in_file;
    for (const auto& t : file.tensors()) {
        const auto at = t.name.find(".lora_A.");
        if (at == std::string::npos || t.shape.empty()) continue;
        const auto rest = t.name.substr(at + 8);
        if (rest.size() > 7) in_file[rest.substr(0, rest.size() - 7)] = t.shape[0];
    }
    std::set<std::string> declared;
    for (const auto& a : l["adapters"]) {
        const std::string text = a.is_string() ? a.get<std::string>() : a.dump();
        const auto colon = text.rfind(":r");
        const auto rank = colon == std::string::npos ? std::nullopt : parse_finite(text.substr(colon + 2));
        const std::string name = colon == std::string::npos ? text : text.substr(0, colon);
        if (!a.is_string() || !rank || !in_file.count(name) || *rank != static_cast<double>(in_file[name]))
            bad_field(file, "architecture.lora.adapters", "lists " + quoted_name(text) +
                                                             ", which is not an adapter of the file with that rank");
        declared.insert(name);
    }
    for (const auto& [name, rank] : in_file)
        if (!declared.count(name))
            bad_field(file, "architecture.lora.adapters", "does not list the file's adapter " + quoted_name(name));
}

// The metadata fields of an lssr-bundle/1 file: each known, each of its type.
// (Values the loader uses, timestep and lora_alpha, are checked where read.)
void check_bundle_metadata(const SafetensorsFile& file) {
    static const std::set<std::string> known = {"format",   "architecture", "band_roles",  "normalisation",
                                                "scale_factor", "timestep", "lora_alpha",  "base",
                                                "base_path", "base_sha256", "provenance", "unet_config",
                                                "vae_config"};
    const auto& meta = file.metadata();
    for (const auto& [key, value] : meta)
        if (!known.count(key)) bad_field(file, quoted_name(key), "is an unknown field of " + std::string(kBundleFormat));
    const auto it = meta.find("base");
    if (it == meta.end()) bad_field(file, "\"base\"", "is missing (\"embedded\" or \"external\")");
    if (it->second == "embedded") {
        for (const char* key : {"unet_config", "vae_config"})
            if (!meta.count(key)) bad_field(file, std::string("\"") + key + "\"", "is missing (the base is embedded)");
    } else if (it->second == "external") {
        const auto path = meta.find("base_path");
        if (path == meta.end() || path->second.empty())
            bad_field(file, "\"base_path\"", "is missing (the base is external)");
    } else {
        bad_field(file, "base", "is \"" + escape_control(it->second) + "\"; it must be \"embedded\" or \"external\"");
    }
    // The model works on 30 m -> 10 m (x3) with fixed band roles: a bundle asking for anything else cannot be honoured.
    if (meta.count("scale_factor") && meta.at("scale_factor") != std::to_string(kScaleFactor))
        bad_field(file, "scale_factor", "is \"" + escape_control(meta.at("scale_factor")) + "\"; the suite runs x3 models only");
    if (meta.count("band_roles")) {
        const json roles = metadata_json(file, "band_roles");
        const json expected = {{"rgb", {"red", "green", "blue"}}, {"ir", {"nir", "swir1", "swir2"}}};
        if (roles != expected)
            bad_field(file, "band_roles", "is " + escape_control(roles.dump()) + "; the suite's model branches are " +
                                              expected.dump());
    }
    if (meta.count("base_sha256")) {
        const auto& h = meta.at("base_sha256");
        if (h.size() != 64 || !std::all_of(h.begin(), h.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); }))
            bad_field(file, "base_sha256", "is not a SHA-256 (64 hex digits)");
    }
    if (meta.count("provenance")) metadata_json(file, "provenance");
    bundle_normalisation(file);
    bundle_timestep(file);
    lora_alpha_of(file);
}

}  // namespace

double lora_alpha_of(const SafetensorsFile& file) {
    const auto it = file.metadata().find("lora_alpha");
    if (it == file.metadata().end()) return 8.0;
    const auto v = parse_finite(it->second);
    if (!v || *v <= 0 || *v > kMaxLoraAlpha)
        bad_field(file, "lora_alpha", "is \"" + escape_control(it->second) + "\"; it must be a number in (0, 10000]");
    return *v;
}

// The text names the input space first ("tile-band: ..."); bundles written
// before tile-band existed describe the fixed space in words.
InputNormalisation bundle_normalisation(const SafetensorsFile& file) {
    const auto it = file.metadata().find("normalisation");
    if (it == file.metadata().end()) return InputNormalisation::Fixed;
    const auto& text = it->second;
    auto starts = [&](const std::string& p) { return text.compare(0, p.size(), p) == 0; };
    if (starts("tile-band:")) return InputNormalisation::TileBand;
    if (starts("fixed:") || starts(kLegacyFixedNormalisation)) return InputNormalisation::Fixed;
    bad_field(file, "normalisation",
              "is \"" + escape_control(text.substr(0, 40)) + "\"; it must begin with \"fixed:\" or \"tile-band:\"");
}

// The one-step timestep: an integer 0..999, the range the scheduler (and --timestep) has.
int64_t bundle_timestep(const SafetensorsFile& file) {
    const auto it = file.metadata().find("timestep");
    if (it == file.metadata().end()) return 1;
    const auto& text = it->second;
    const bool digits = !text.empty() && text.size() <= 3 &&
                        std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (!digits) bad_field(file, "timestep", "is \"" + escape_control(text) + "\"; it must be an integer 0..999");
    return std::stoll(text);
}

// The "architecture" metadata ({} when absent: older bundles and bare adapter files).
json architecture_of(const SafetensorsFile& file) { return metadata_json(file, "architecture"); }

KnowledgeModule build_knowledge(const SafetensorsFile& file, const json& arch, int64_t latent_channels) {
    const auto k = arch.value("knowledge", json::object());
    const int64_t dim = shape_value(file, k, "knowledge", "dim", 256, kMaxSideWidth);
    const int64_t heads = shape_value(file, k, "knowledge", "heads", 4, kMaxSideWidth);
    const int64_t stride = shape_value(file, k, "knowledge", "attention_stride", 1, 64);
    check_heads(file, "knowledge", dim, heads);
    const std::string declared = "knowledge width " + std::to_string(dim);
    expect_shape(file, "knowledge.latent_project_in.weight", {dim, latent_channels, 1, 1}, declared);
    expect_shape(file, "knowledge.cross_attn.in_proj_weight", {3 * dim, dim}, declared);
    expect_shape(file, "knowledge.cross_attn.out_proj.weight", {dim, dim}, declared);
    return KnowledgeModule(latent_channels, dim, heads, stride);
}

SarHead build_sar_head(const SafetensorsFile& file, const json& arch) {
    const auto a = arch.value("sar", json::object());
    const int64_t dim = shape_value(file, a, "sar", "dim", 96, kMaxSideWidth);
    const int64_t heads = shape_value(file, a, "sar", "heads", 6, kMaxSideWidth);
    const int64_t layers = shape_value(file, a, "sar", "layers", 2, 64);
    const int64_t window = shape_value(file, a, "sar", "window", 12, 256);
    const int64_t stride = shape_value(file, a, "sar", "token_stride", 1, 16);
    check_heads(file, "sar", dim, heads);
    const std::string declared = "SAR width " + std::to_string(dim);
    const int64_t kernel = sar_stem_kernel(stride);
    const std::string cells = stride == 1 ? declared : declared + " and token stride " + std::to_string(stride);
    expect_shape(file, "post_fusion.opt_in.0.weight", {dim, 3, kernel, kernel}, cells);
    expect_shape(file, "post_fusion.out_proj.weight", {3 * stride * stride, dim, 1, 1}, cells);
    for (int64_t i = 0; i < layers; ++i) {
        const std::string block = "post_fusion.fusion.blocks." + std::to_string(i) + ".";
        const std::string in_block = declared + " and " + std::to_string(layers) + " layers";
        expect_shape(file, block + "mlp.fc1.weight", {4 * dim, dim}, in_block);
        expect_shape(file, block + "attn.q.weight", {dim, dim}, in_block);
    }
    return SarHead(3, 2, dim, heads, layers, window, stride);
}

// The architecture of an lssr-bundle/1: known fields of the right types,
// consistent with the tensors (the side-module sizes are checked as the
// modules are built).
void check_architecture(const SafetensorsFile& file, const json& arch, int64_t cross_attention_dim) {
    static const std::set<std::string> known = {"type", "residual", "lora", "knowledge_module", "sar_head",
                                                "unet_cross_attention_dim", "knowledge", "sar"};
    for (const auto& [key, v] : arch.items())
        if (!known.count(key)) bad_field(file, "architecture." + escape_control(key), "is an unknown field");
    if (arch.contains("type") && arch["type"] != "lssr-one-step")
        bad_field(file, "architecture.type", "is " + arch["type"].dump() + "; this suite runs \"lssr-one-step\"");
    if (arch.contains("residual") && !arch["residual"].is_string())
        bad_field(file, "architecture.residual", "must be a text");
    for (const char* section : {"knowledge", "sar"}) {
        if (!arch.contains(section)) continue;
        if (!arch[section].is_object()) bad_field(file, std::string("architecture.") + section, "is not a JSON object");
        static const std::set<std::string> knowledge_keys = {"dim", "heads", "attention_stride"};
        static const std::set<std::string> sar_keys = {"dim", "heads", "layers", "window", "token_stride"};
        const auto& keys = std::string(section) == "knowledge" ? knowledge_keys : sar_keys;
        for (const auto& [key, v] : arch[section].items())
            if (!keys.count(key))
                bad_field(file, std::string("architecture.") + section + "." + escape_control(key), "is an unknown field");
    }
    check_declared_module(file, arch, "knowledge_module", "knowledge.");
    check_declared_module(file, arch, "sar_head", "post_fusion.");
    if (arch.contains("unet_cross_attention_dim") && arch["unet_cross_attention_dim"] != json(cross_attention_dim))
        bad_field(file, "architecture.unet_cross_attention_dim",
                  "is " + arch["unet_cross_attention_dim"].dump() + " but the UNet's cross-attention width is " +
                      std::to_string(cross_attention_dim));
    check_declared_lora(file, arch);
}

void require_bundle(const SafetensorsFile& file) {
    const auto it = file.metadata().find("format");
    if (it == file.metadata().end())
        throw InputError(file.path() + ": not an LSSR bundle (its metadata has no \"format\"; a base model's weights " +
                         "file goes with --base-model DIR)");
    if (it->second != kBundleFormat)
        throw InputError(file.path() + ": not an LSSR bundle (format \"" + escape_control(it->second) +
                         "\", not \"" + kBundleFormat + "\")");
    check_bundle_metadata(file);
    // Every tensor belongs to a part the loader reads; anything else is not this format.
    for (const auto& t : file.tensors())
        if (t.name != "prompt_embeds" && !starts_with(t.name, "unet.") && !starts_with(t.name, "vae.") &&
            !starts_with(t.name, "knowledge.") && !starts_with(t.name, "post_fusion."))
            throw InputError(file.path() + ": unexpected tensor " + quoted_name(t.name) + " (a bundle holds unet.*, vae.*, " +
                             "knowledge.*, post_fusion.* and prompt_embeds)");
}

}  // namespace lssr::sr
