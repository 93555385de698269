#pragma once
// A Stable-Diffusion base model in diffusers layout:
//   DIR/unet/{config.json, diffusion_pytorch_model.safetensors}
//   DIR/vae/{config.json, diffusion_pytorch_model.safetensors}
#include <cstdint>
#include <string>

#include "libsr/model/unet.hpp"
#include "libsr/model/vae.hpp"

namespace lssr::sr {

struct BaseModelFiles {
    std::string unet_config, unet_weights, vae_config, vae_weights;
};

// The four paths under DIR (InputError when DIR is not a folder).
BaseModelFiles base_model_files(const std::string& dir);

struct BaseModel {
    UNet2DConditionModel unet{nullptr};
    AutoencoderKL vae{nullptr};
    double scaling_factor = 0.18215;  // from the VAE config
};

// Builds both networks from their configs and loads their weights (float32,
// CPU, eval mode). Throws InputError naming the offending file.
BaseModel load_base_model(const std::string& dir);

// The config.json texts of a base (what a trained base is saved with).
struct BaseModelConfigs {
    std::string unet_json, vae_json;
};
BaseModelConfigs read_base_model_configs(const std::string& dir);

// A base built from DIR/{unet,vae}/config.json with fresh weights
// (init_weights with `seed`), for pre-training from scratch.
BaseModel new_base_model(const std::string& config_dir, uint64_t seed);

// Writes a base in diffusers layout to `dir` (unet/ and vae/, each config.json
// plus diffusion_pytorch_model.safetensors; the VAE config gets the model's
// scaling_factor). Files are written to temporary names and renamed.
void save_base_model(BaseModel& model, const BaseModelConfigs& configs, const std::string& dir);

// A base of fresh weights (new_base_model with `seed`) built from the configs
// in config_dir, written to out_dir all-or-nothing: an existing out_dir is an
// OutputError unless `overwrite`. What `lssr-model init` does: the start of a
// pre-training, or a base of a real architecture (SD 2.1) to measure speed and
// memory with when its weights are not at hand.
void init_base_model(const std::string& config_dir, const std::string& out_dir, uint64_t seed, bool overwrite);

}  // namespace lssr::sr
