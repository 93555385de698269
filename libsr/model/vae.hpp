#pragma once
// diffusers' AutoencoderKL (autoencoder_kl.py, vae.py) for the SD family.
#include <torch/torch.h>

#include "libsr/model/attention.hpp"
#include "libsr/formats/configs.hpp"
#include "libsr/model/layers.hpp"
#include "libsr/model/resnet.hpp"

namespace lssr::sr {

// UNetMidBlock2D without a time embedding: resnet, [attention, resnet].
class VaeMidBlockImpl : public torch::nn::Module {
public:
    VaeMidBlockImpl(int64_t channels, int64_t groups, bool add_attention, const ParamOptions& options);
    torch::Tensor forward(torch::Tensor x);

private:
    torch::nn::ModuleList attentions{nullptr}, resnets;
};
TORCH_MODULE(VaeMidBlock);

// DownEncoderBlock2D (resample = Downsample2D) or UpDecoderBlock2D (Upsample2D).
class VaeBlockImpl : public torch::nn::Module {
public:
    enum class Kind { Down, Up };
    VaeBlockImpl(Kind kind, int64_t in, int64_t out, int64_t layers, int64_t groups, bool resample,
                 const ParamOptions& options);
    torch::Tensor forward(torch::Tensor x);

private:
    torch::nn::ModuleList resnets, samplers{nullptr};
    Kind kind_;
};
TORCH_MODULE(VaeBlock);

class VaeEncoderImpl : public torch::nn::Module {
public:
    VaeEncoderImpl(const VaeConfig& config, const ParamOptions& options);
    torch::Tensor forward(const torch::Tensor& x);  // -> [B, 2*latent, H/f, W/f]

private:
    Conv2d conv_in{nullptr}, conv_out{nullptr};
    torch::nn::ModuleList down_blocks;
    VaeMidBlock mid_block{nullptr};
    GroupNorm conv_norm_out{nullptr};
};
TORCH_MODULE(VaeEncoder);

class VaeDecoderImpl : public torch::nn::Module {
public:
    VaeDecoderImpl(const VaeConfig& config, const ParamOptions& options);
    torch::Tensor forward(const torch::Tensor& z);

private:
    Conv2d conv_in{nullptr}, conv_out{nullptr};
    torch::nn::ModuleList up_blocks;
    VaeMidBlock mid_block{nullptr};
    GroupNorm conv_norm_out{nullptr};
};
TORCH_MODULE(VaeDecoder);

// The diagonal Gaussian posterior of encode(): mean and clamped log-variance.
struct LatentDistribution {
    torch::Tensor mean;
    torch::Tensor logvar;  // clamped to [-30, 20] as diffusers does
};

class AutoencoderKLImpl : public torch::nn::Module {
public:
    explicit AutoencoderKLImpl(const VaeConfig& config, const ParamOptions& options = {});
    // x in [-1, 1], [B, in, H, W] with H, W multiples of the downsampling factor.
    LatentDistribution encode(const torch::Tensor& x);
    // z (unscaled latent) -> image [B, out, H*f, W*f]
    torch::Tensor decode(const torch::Tensor& z);
    const VaeConfig& config() const { return config_; }

private:
    VaeConfig config_;
    VaeEncoder encoder{nullptr};
    VaeDecoder decoder{nullptr};
    Conv2d quant_conv{nullptr}, post_quant_conv{nullptr};
};
TORCH_MODULE(AutoencoderKL);

}  // namespace lssr::sr
