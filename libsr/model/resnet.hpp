#pragma once
// diffusers' ResnetBlock2D, Downsample2D and Upsample2D (resnet.py), for the
// UNet (with a time embedding) and the VAE (without one).
#include <torch/torch.h>

#include "libsr/model/layers.hpp"

namespace lssr::sr {

struct ResnetSpec {
    int64_t in_channels = 0;
    int64_t out_channels = 0;
    int64_t temb_channels = 0;  // 0: no time_emb_proj (VAE)
    int64_t groups = 32;
    double eps = 1e-6;
    double output_scale_factor = 1.0;
};

class ResnetBlock2DImpl : public torch::nn::Module {
public:
    ResnetBlock2DImpl(const ResnetSpec& spec, const ParamOptions& options);
    // temb may be undefined when the block has no time_emb_proj.
    torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& temb = {});

private:
    ResnetSpec spec_;
    GroupNorm norm1{nullptr}, norm2{nullptr};
    Conv2d conv1{nullptr}, conv2{nullptr}, conv_shortcut{nullptr};
    Linear time_emb_proj{nullptr};
};
TORCH_MODULE(ResnetBlock2D);

// Stride-2 3x3 conv. padding 0 means diffusers' asymmetric (0,1,0,1) zero pad
// first (the VAE encoder); otherwise a symmetric conv padding (the UNet).
class Downsample2DImpl : public torch::nn::Module {
public:
    Downsample2DImpl(int64_t channels, int64_t padding, const ParamOptions& options);
    torch::Tensor forward(const torch::Tensor& x);

private:
    int64_t padding_;
    Conv2d conv{nullptr};
};
TORCH_MODULE(Downsample2D);

// Nearest-neighbour 2x (or to `size` when given) then a 3x3 conv.
class Upsample2DImpl : public torch::nn::Module {
public:
    Upsample2DImpl(int64_t channels, const ParamOptions& options);
    torch::Tensor forward(const torch::Tensor& x, c10::optional<std::vector<int64_t>> size = c10::nullopt);

private:
    Conv2d conv{nullptr};
};
TORCH_MODULE(Upsample2D);

}  // namespace lssr::sr
