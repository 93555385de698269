#pragma once
// diffusers' UNet2DConditionModel (unet_2d_condition.py) for the SD family:
// eps = UNet(latent, timestep, text embedding).
#include <torch/torch.h>

#include "libsr/formats/configs.hpp"
#include "libsr/model/layers.hpp"
#include "libsr/model/unet_blocks.hpp"

namespace lssr::sr {

// Sinusoidal timestep features [N, dim] (diffusers' get_timestep_embedding).
torch::Tensor timestep_embedding(const torch::Tensor& timesteps, int64_t dim, bool flip_sin_to_cos,
                                 double freq_shift);

class TimestepEmbeddingImpl : public torch::nn::Module {
public:
    TimestepEmbeddingImpl(int64_t in, int64_t dim, const ParamOptions& options);
    torch::Tensor forward(const torch::Tensor& x);

private:
    Linear linear_1{nullptr}, linear_2{nullptr};
};
TORCH_MODULE(TimestepEmbedding);

class UNet2DConditionModelImpl : public torch::nn::Module {
public:
    explicit UNet2DConditionModelImpl(const UNetConfig& config, const ParamOptions& options = {});
    // sample [B, in, H, W]; timestep: scalar or [B] (any numeric type);
    // context [B, M, cross_attention_dim]. Returns [B, out, H, W].
    torch::Tensor forward(const torch::Tensor& sample, const torch::Tensor& timestep, const torch::Tensor& context);
    const UNetConfig& config() const { return config_; }

private:
    UNetConfig config_;
    Conv2d conv_in{nullptr}, conv_out{nullptr};
    TimestepEmbedding time_embedding{nullptr};
    torch::nn::ModuleList down_blocks, up_blocks;
    UNetMidBlock mid_block{nullptr};
    GroupNorm conv_norm_out{nullptr};
};
TORCH_MODULE(UNet2DConditionModel);

}  // namespace lssr::sr
