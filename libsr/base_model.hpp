#pragma once
// A Stable-Diffusion base model in diffusers layout:
//   DIR/unet/{config.json, diffusion_pytorch_model.safetensors}
//   DIR/vae/{config.json, diffusion_pytorch_model.safetensors}
#include <string>

#include "libsr/unet.hpp"
#include "libsr/vae.hpp"

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

}  // namespace lssr::sr
