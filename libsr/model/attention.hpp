#pragma once
// diffusers' Attention (attention_processor.py) in its two SD uses: multi-head
// self/cross attention inside transformer blocks, and the VAE's single-head
// spatial self-attention with its own group norm and residual.
#include <torch/torch.h>

#include "libsr/model/layers.hpp"

namespace lssr::sr {

// softmax(q k^T / sqrt(head_dim)) v over [..., N, head_dim], in passes of query rows.
torch::Tensor scaled_dot_product(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v);

class AttentionImpl : public torch::nn::Module {
public:
    // context_dim 0: self-attention. qkv_bias: SD transformer blocks have none.
    AttentionImpl(int64_t query_dim, int64_t context_dim, int64_t heads, int64_t head_dim, bool qkv_bias,
                  const ParamOptions& options);
    // x [B, N, query_dim]; context [B, M, context_dim] or undefined for self-attention.
    torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& context = {});

private:
    int64_t heads_;
    Linear to_q{nullptr}, to_k{nullptr}, to_v{nullptr};
    torch::nn::ModuleList to_out;  // .0 Linear, .1 dropout placeholder
};
TORCH_MODULE(Attention);

class VaeAttentionImpl : public torch::nn::Module {
public:
    VaeAttentionImpl(int64_t channels, int64_t groups, double eps, const ParamOptions& options);
    // x [B, C, H, W] -> same shape, residual included.
    torch::Tensor forward(const torch::Tensor& x);

private:
    GroupNorm group_norm{nullptr};
    Linear to_q{nullptr}, to_k{nullptr}, to_v{nullptr};
    torch::nn::ModuleList to_out;
};
TORCH_MODULE(VaeAttention);

}  // namespace lssr::sr
