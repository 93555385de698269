#pragma once
// The UNet's blocks (unet_2d_blocks.py): CrossAttnDownBlock2D / DownBlock2D,
// UNetMidBlock2DCrossAttn and UpBlock2D / CrossAttnUpBlock2D. The plain and
// cross-attention variants differ only by their `attentions` list.
#include <torch/torch.h>

#include <vector>

#include "libsr/model/layers.hpp"
#include "libsr/model/resnet.hpp"
#include "libsr/model/transformer.hpp"

namespace lssr::sr {

struct UNetBlockSpec {
    int64_t in_channels = 0;
    int64_t out_channels = 0;
    int64_t prev_output_channels = 0;  // up blocks: channels arriving from below
    int64_t temb_channels = 0;
    int64_t layers = 1;
    bool cross_attention = false;
    TransformerSpec transformer;  // channels filled by the block
    int64_t groups = 32;
    double eps = 1e-5;
    bool resample = false;  // add a down/up sampler
    int64_t downsample_padding = 1;
    double output_scale_factor = 1.0;
};

class UNetDownBlockImpl : public torch::nn::Module {
public:
    UNetDownBlockImpl(const UNetBlockSpec& spec, const ParamOptions& options);
    // Appends every intermediate output (the skips) to `skips`.
    torch::Tensor forward(torch::Tensor x, const torch::Tensor& temb, const torch::Tensor& context,
                          std::vector<torch::Tensor>& skips);

private:
    torch::nn::ModuleList attentions{nullptr}, resnets, downsamplers{nullptr};
};
TORCH_MODULE(UNetDownBlock);

class UNetMidBlockImpl : public torch::nn::Module {
public:
    UNetMidBlockImpl(const UNetBlockSpec& spec, const ParamOptions& options);
    torch::Tensor forward(torch::Tensor x, const torch::Tensor& temb, const torch::Tensor& context);

private:
    torch::nn::ModuleList attentions, resnets;
};
TORCH_MODULE(UNetMidBlock);

class UNetUpBlockImpl : public torch::nn::Module {
public:
    UNetUpBlockImpl(const UNetBlockSpec& spec, const ParamOptions& options);
    // Consumes skips from the back; `upsample_size` is the size of the next
    // skip (so odd sizes round-trip), empty for the last block.
    torch::Tensor forward(torch::Tensor x, const torch::Tensor& temb, const torch::Tensor& context,
                          std::vector<torch::Tensor>& skips, const std::vector<int64_t>& upsample_size);
    int64_t layers() const { return static_cast<int64_t>(resnets->size()); }

private:
    torch::nn::ModuleList attentions{nullptr}, resnets, upsamplers{nullptr};
};
TORCH_MODULE(UNetUpBlock);

}  // namespace lssr::sr
