#pragma once
// Architecture configs read from diffusers' config.json files. Only the
// Stable-Diffusion family is supported; any other setting is an InputError
// naming the file and the key rather than a silently different network.
#include <string>
#include <vector>

namespace lssr::sr {

struct UNetConfig {
    int in_channels = 4;
    int out_channels = 4;
    std::vector<int> block_out_channels;
    std::vector<std::string> down_block_types;  // CrossAttnDownBlock2D | DownBlock2D
    std::vector<std::string> up_block_types;    // UpBlock2D | CrossAttnUpBlock2D
    std::vector<int> layers_per_block;          // per down block
    // Heads per down block. diffusers up to 0.2x stores head COUNTS under the
    // misnamed key "attention_head_dim" (head size = channels / heads).
    std::vector<int> num_attention_heads;
    std::vector<int> transformer_layers_per_block;
    int cross_attention_dim = 1024;
    bool use_linear_projection = false;
    bool upcast_attention = false;
    bool center_input_sample = false;
    int norm_num_groups = 32;
    double norm_eps = 1e-5;
    bool flip_sin_to_cos = true;
    double freq_shift = 0;
    int downsample_padding = 1;
    double mid_block_scale_factor = 1.0;
    int time_embed_dim = 0;  // block_out_channels[0] * 4 unless the config says
};

// How reflectance enters the VAE (the space its images live in), recorded in
// the VAE's config.json as "lssr_normalisation" (absent = fixed, as every
// diffusers base): fixed = SPEC §5's x = 2*rho - 1 on [0,1]; tile_band = per
// tile and band, x = (rho - mean) / (3 * max(std, 0.005)) over the LR tile, so
// that a scene brighter, darker or hazier than any training scene looks like
// one inside the range.
enum class InputNormalisation { Fixed, TileBand };
const char* normalisation_name(InputNormalisation n);  // "fixed" | "tile-band"

struct VaeConfig {
    int in_channels = 3;
    int out_channels = 3;
    int latent_channels = 4;
    std::vector<int> block_out_channels;
    int layers_per_block = 2;
    int norm_num_groups = 32;
    bool mid_block_add_attention = true;
    double scaling_factor = 0.18215;
    InputNormalisation normalisation = InputNormalisation::Fixed;
};

// Read and validate; `path` is the config.json file. Throws lssr::InputError.
UNetConfig read_unet_config(const std::string& path);
VaeConfig read_vae_config(const std::string& path);
// Same from JSON text (`where` names the source in errors).
UNetConfig parse_unet_config(const std::string& json_text, const std::string& where);
VaeConfig parse_vae_config(const std::string& json_text, const std::string& where);

// A base the SR forward can run (z - UNet(z) on the VAE's latent of 3-band
// images): else InputError naming `where`, before any network is built.
void check_sr_base(const UNetConfig& unet, const VaeConfig& vae, const std::string& where);

}  // namespace lssr::sr
