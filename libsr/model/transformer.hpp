#pragma once
// diffusers' Transformer2DModel with BasicTransformerBlock and the GEGLU
// FeedForward (attention.py, transformer_2d.py), as SD's UNet uses them.
#include <torch/torch.h>

#include "libsr/model/attention.hpp"
#include "libsr/model/layers.hpp"

namespace lssr::sr {

class GEGLUImpl : public torch::nn::Module {
public:
    GEGLUImpl(int64_t dim_in, int64_t dim_out, const ParamOptions& options);
    torch::Tensor forward(const torch::Tensor& x);

private:
    Linear proj{nullptr};
};
TORCH_MODULE(GEGLU);

class FeedForwardImpl : public torch::nn::Module {
public:
    FeedForwardImpl(int64_t dim, const ParamOptions& options);
    torch::Tensor forward(const torch::Tensor& x);

private:
    torch::nn::ModuleList net;  // .0 GEGLU, .1 dropout placeholder, .2 Linear
};
TORCH_MODULE(FeedForward);

class BasicTransformerBlockImpl : public torch::nn::Module {
public:
    BasicTransformerBlockImpl(int64_t dim, int64_t heads, int64_t head_dim, int64_t context_dim,
                              const ParamOptions& options);
    torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& context);

private:
    LayerNorm norm1{nullptr}, norm2{nullptr}, norm3{nullptr};
    Attention attn1{nullptr}, attn2{nullptr};
    FeedForward ff{nullptr};
};
TORCH_MODULE(BasicTransformerBlock);

struct TransformerSpec {
    int64_t channels = 0;
    int64_t heads = 1;
    int64_t context_dim = 0;
    int64_t groups = 32;
    int64_t layers = 1;
    bool linear_projection = false;  // proj_in/out as Linear, else 1x1 conv
};

class Transformer2DModelImpl : public torch::nn::Module {
public:
    Transformer2DModelImpl(const TransformerSpec& spec, const ParamOptions& options);
    // x [B, C, H, W], context [B, M, context_dim] -> [B, C, H, W] (residual included)
    torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& context);

private:
    TransformerSpec spec_;
    GroupNorm norm{nullptr};
    torch::nn::AnyModule proj_in, proj_out;
    torch::nn::ModuleList transformer_blocks;
};
TORCH_MODULE(Transformer2DModel);

}  // namespace lssr::sr
