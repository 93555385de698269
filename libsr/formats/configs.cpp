#include "libsr/formats/configs.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "libio/core/errors.hpp"
#include "libio/gdal/text_file.hpp"

namespace lssr::sr {

namespace {

using nlohmann::json;

[[noreturn]] void fail(const std::string& where, const std::string& problem) {
    throw InputError(where + ": " + problem);
}

json parse_object(const std::string& text, const std::string& where) {
    const auto j = json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded() || !j.is_object()) fail(where, "not a JSON object (or not valid JSON: a syntax error or a number beyond double range)");
    return j;
}


// Sizes beyond these are no Stable-Diffusion network (SD's widest layer has
// 1280 channels) but a damaged or hostile config: refused before any tensor
// of that size is allocated.
constexpr int kMaxChannels = 1 << 16;
constexpr int kMaxLayers = 64;
// Each block halves the size: 6 UNet and 6 VAE blocks already pad a tile to a multiple of 1024.
constexpr std::size_t kMaxBlocks = 6;

// An integer within [lo, hi] (the JSON value may be any size; get<int> would wrap).
int checked_int(const json& v, const char* key, int lo, int hi, const std::string& where) {
    if (!v.is_number_integer()) fail(where, std::string(key) + " must be an integer, not " + v.dump());
    const bool huge = v.is_number_unsigned() && v.get<uint64_t>() > static_cast<uint64_t>(INT64_MAX);
    const int64_t x = huge ? INT64_MAX : v.get<int64_t>();
    if (x < lo || x > hi)
        fail(where, std::string(key) + " is " + v.dump() + ", outside " + std::to_string(lo) + ".." + std::to_string(hi));
    return static_cast<int>(x);
}

int get_int(const json& j, const char* key, int fallback, const std::string& where, int lo = 1,
            int hi = kMaxChannels) {
    if (!j.contains(key) || j[key].is_null()) return fallback;
    return checked_int(j[key], key, lo, hi, where);
}

// A finite number within [lo, hi] (nlohmann reads 1e999 as inf).
double get_number(const json& j, const char* key, double fallback, const std::string& where, double lo,
                  double hi) {
    if (!j.contains(key) || j[key].is_null()) return fallback;
    if (!j[key].is_number()) fail(where, std::string(key) + " must be a number, not " + j[key].dump());
    const double v = j[key].get<double>();
    if (!std::isfinite(v) || v < lo || v > hi)
        fail(where, std::string(key) + " is " + j[key].dump() + ", outside " + json(lo).dump() + ".." + json(hi).dump());
    return v;
}

bool get_bool(const json& j, const char* key, bool fallback, const std::string& where) {
    if (!j.contains(key) || j[key].is_null()) return fallback;
    if (!j[key].is_boolean()) fail(where, std::string(key) + " must be true or false, not " + j[key].dump());
    return j[key].get<bool>();
}

std::vector<int> get_int_list(const json& j, const char* key, const std::string& where, int hi = kMaxChannels) {
    if (!j.contains(key) || !j[key].is_array() || j[key].empty())
        fail(where, std::string(key) + " must be a non-empty list of integers");
    std::vector<int> out;
    for (const auto& v : j[key]) out.push_back(checked_int(v, key, 1, hi, where));
    return out;
}

std::vector<std::string> get_string_list(const json& j, const char* key, const std::string& where) {
    if (!j.contains(key) || !j[key].is_array() || j[key].empty())
        fail(where, std::string(key) + " must be a non-empty list of names");
    std::vector<std::string> out;
    for (const auto& v : j[key]) {
        if (!v.is_string()) fail(where, std::string(key) + " holds " + v.dump() + ", not a name");
        out.push_back(v.get<std::string>());
    }
    return out;
}

// An int applied to every block, or one value per block.
std::vector<int> per_block(const json& j, const char* key, int fallback, std::size_t blocks,
                           const std::string& where, int hi) {
    if (!j.contains(key) || j[key].is_null()) return std::vector<int>(blocks, fallback);
    const auto& v = j[key];
    if (!v.is_array()) return std::vector<int>(blocks, checked_int(v, key, 1, hi, where));
    std::vector<int> out = get_int_list(j, key, where, hi);
    if (out.size() != blocks)
        fail(where, std::string(key) + " has " + std::to_string(out.size()) + " values for " +
                        std::to_string(blocks) + " blocks");
    return out;
}

// Settings of other diffusers architectures: accepted only at the value that
// makes them a no-op for the SD family.
void require_default(const json& j, const char* key, const std::vector<json>& allowed,
                     const std::string& where) {
    if (!j.contains(key)) return;
    for (const auto& a : allowed)
        if (j[key] == a) return;
    fail(where, std::string("unsupported ") + key + " " + j[key].dump() + " (only Stable-Diffusion UNets/VAEs)");
}

void require_divisible(int channels, int groups, const char* what, const std::string& where) {
    if (groups <= 0 || channels % groups != 0)
        fail(where, std::to_string(channels) + " channels cannot be split into " + std::to_string(groups) + " " + what);
}

}  // namespace

UNetConfig parse_unet_config(const std::string& text, const std::string& where) {
    const json j = parse_object(text, where);
    UNetConfig c;
    c.in_channels = get_int(j, "in_channels", 4, where);
    c.out_channels = get_int(j, "out_channels", 4, where);
    c.block_out_channels = get_int_list(j, "block_out_channels", where);
    c.down_block_types = get_string_list(j, "down_block_types", where);
    c.up_block_types = get_string_list(j, "up_block_types", where);
    const std::size_t n = c.block_out_channels.size();
    if (c.down_block_types.size() != n || c.up_block_types.size() != n)
        fail(where, "block_out_channels, down_block_types and up_block_types differ in length");
    if (n > kMaxBlocks) fail(where, std::to_string(n) + " blocks; at most " + std::to_string(kMaxBlocks) + " are supported");
    for (const auto& t : c.down_block_types)
        if (t != "CrossAttnDownBlock2D" && t != "DownBlock2D") fail(where, "unsupported down block type " + t);
    for (const auto& t : c.up_block_types)
        if (t != "CrossAttnUpBlock2D" && t != "UpBlock2D") fail(where, "unsupported up block type " + t);
    c.layers_per_block = per_block(j, "layers_per_block", 2, n, where, kMaxLayers);
    const char* heads_key =
        j.contains("num_attention_heads") && !j["num_attention_heads"].is_null() ? "num_attention_heads"
                                                                                 : "attention_head_dim";
    c.num_attention_heads = per_block(j, heads_key, 8, n, where, kMaxChannels);
    c.transformer_layers_per_block = per_block(j, "transformer_layers_per_block", 1, n, where, kMaxLayers);
    if (j.contains("cross_attention_dim") && !j["cross_attention_dim"].is_number_integer())
        fail(where, "cross_attention_dim must be one integer");
    c.cross_attention_dim = get_int(j, "cross_attention_dim", 1280, where);
    c.use_linear_projection = get_bool(j, "use_linear_projection", false, where);
    c.upcast_attention = get_bool(j, "upcast_attention", false, where);
    c.center_input_sample = get_bool(j, "center_input_sample", false, where);
    c.norm_num_groups = get_int(j, "norm_num_groups", 32, where);
    c.norm_eps = get_number(j, "norm_eps", 1e-5, where, 1e-12, 1.0);
    c.flip_sin_to_cos = get_bool(j, "flip_sin_to_cos", true, where);
    c.freq_shift = get_number(j, "freq_shift", 0, where, -1e3, 1e3);
    c.downsample_padding = get_int(j, "downsample_padding", 1, where, 0, 1);  // other paddings change the skip sizes
    c.mid_block_scale_factor = get_number(j, "mid_block_scale_factor", 1.0, where, 1e-3, 1e3);
    c.time_embed_dim = get_int(j, "time_embedding_dim", c.block_out_channels[0] * 4, where, 1, 4 * kMaxChannels);

    require_default(j, "act_fn", {"silu"}, where);
    require_default(j, "time_embedding_type", {"positional"}, where);
    require_default(j, "resnet_time_scale_shift", {"default"}, where);
    require_default(j, "mid_block_type", {"UNetMidBlock2DCrossAttn", nullptr}, where);
    require_default(j, "conv_in_kernel", {3}, where);
    require_default(j, "conv_out_kernel", {3}, where);
    require_default(j, "dual_cross_attention", {false}, where);
    if (j.contains("only_cross_attention") && j["only_cross_attention"].is_array()) {
        for (const auto& v : j["only_cross_attention"])
            if (v != false) fail(where, "unsupported only_cross_attention " + j["only_cross_attention"].dump());
    } else {
        require_default(j, "only_cross_attention", {false}, where);
    }
    require_default(j, "resnet_skip_time_act", {false}, where);
    require_default(j, "resnet_out_scale_factor", {1.0, 1}, where);
    require_default(j, "attention_type", {"default"}, where);
    require_default(j, "class_embeddings_concat", {false}, where);
    for (const char* key : {"class_embed_type", "addition_embed_type", "encoder_hid_dim", "encoder_hid_dim_type",
                            "time_cond_proj_dim", "num_class_embeds", "projection_class_embeddings_input_dim",
                            "timestep_post_act", "cross_attention_norm", "addition_time_embed_dim",
                            "mid_block_only_cross_attention", "time_embedding_act_fn"})
        require_default(j, key, {nullptr}, where);

    for (std::size_t i = 0; i < n; ++i) {
        require_divisible(c.block_out_channels[i], c.norm_num_groups, "norm groups", where);
        require_divisible(c.block_out_channels[i], c.num_attention_heads[i], "attention heads", where);
    }
    if (c.in_channels <= 0 || c.out_channels <= 0 || c.cross_attention_dim <= 0 || c.time_embed_dim <= 0)
        fail(where, "channel counts must be positive");
    return c;
}

const char* normalisation_name(InputNormalisation n) {
    return n == InputNormalisation::TileBand ? "tile-band" : "fixed";
}

VaeConfig parse_vae_config(const std::string& text, const std::string& where) {
    const json j = parse_object(text, where);
    VaeConfig c;
    c.in_channels = get_int(j, "in_channels", 3, where);
    c.out_channels = get_int(j, "out_channels", 3, where);
    c.latent_channels = get_int(j, "latent_channels", 4, where);
    c.block_out_channels = get_int_list(j, "block_out_channels", where);
    c.layers_per_block = get_int(j, "layers_per_block", 1, where, 1, kMaxLayers);
    c.norm_num_groups = get_int(j, "norm_num_groups", 32, where);
    c.mid_block_add_attention = get_bool(j, "mid_block_add_attention", true, where);
    // SD 0.18215, SDXL 0.13025, SD3 1.5305; far outside, z / scaling_factor overflows.
    c.scaling_factor = get_number(j, "scaling_factor", 0.18215, where, 1e-4, 1e4);
    if (j.contains("lssr_normalisation")) {
        const auto& n = j["lssr_normalisation"];
        if (n == "tile-band") c.normalisation = InputNormalisation::TileBand;
        else if (n != "fixed") fail(where, "lssr_normalisation " + n.dump() + " is neither \"fixed\" nor \"tile-band\"");
    }
    const std::size_t n = c.block_out_channels.size();
    if (n > kMaxBlocks) fail(where, std::to_string(n) + " blocks; at most " + std::to_string(kMaxBlocks) + " are supported");
    for (const auto& t : get_string_list(j, "down_block_types", where))
        if (t != "DownEncoderBlock2D") fail(where, "unsupported down block type " + t);
    for (const auto& t : get_string_list(j, "up_block_types", where))
        if (t != "UpDecoderBlock2D") fail(where, "unsupported up block type " + t);
    if (j["down_block_types"].size() != n || j["up_block_types"].size() != n)
        fail(where, "block_out_channels, down_block_types and up_block_types differ in length");
    require_default(j, "act_fn", {"silu"}, where);
    require_default(j, "force_upcast", {true, false}, where);
    for (const auto ch : c.block_out_channels) require_divisible(ch, c.norm_num_groups, "norm groups", where);
    if (c.layers_per_block <= 0 || c.in_channels <= 0 || c.out_channels <= 0 || c.latent_channels <= 0)
        fail(where, "layer and channel counts must be positive");
    if (!(c.scaling_factor > 0)) fail(where, "scaling_factor must be positive");
    return c;
}

void check_sr_base(const UNetConfig& unet, const VaeConfig& vae, const std::string& where) {
    if (vae.in_channels != 3 || vae.out_channels != 3)
        fail(where, "the VAE has " + std::to_string(vae.in_channels) + " input and " + std::to_string(vae.out_channels) +
                        " output channels; the suite's branches are 3-band images");
    if (unet.in_channels != vae.latent_channels || unet.out_channels != vae.latent_channels)
        fail(where, "the UNet takes " + std::to_string(unet.in_channels) + " and gives " +
                        std::to_string(unet.out_channels) + " channels but the VAE's latent has " +
                        std::to_string(vae.latent_channels));
}

UNetConfig read_unet_config(const std::string& path) { return parse_unet_config(io::read_text_file(path), path); }
VaeConfig read_vae_config(const std::string& path) { return parse_vae_config(io::read_text_file(path), path); }

}  // namespace lssr::sr
