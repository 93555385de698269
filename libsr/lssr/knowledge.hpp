#pragma once
// LSSR's knowledge module (lssr.py of the authors): DEM and land-cover encoders
// (four convolutions, /8), a month embedding (May..September), summed into a
// 4-channel "knowledge" latent that the image latent attends to; the result is
// added to the latent with a per-branch gamma. Unlike the original it works at
// any latent size and with any of DEM, land cover or month absent (the absent
// terms are left out; with none present the latent passes unchanged).
// Parameter names equal the authors' state-dict keys.
#include <torch/torch.h>

namespace lssr::sr {

// Inputs already at the output (x3) size; undefined tensors = absent.
struct KnowledgeInputs {
    torch::Tensor dem;        // [B,1,H,W] metres, NaN = missing
    torch::Tensor landcover;  // [B,1,H,W] class index, NaN = missing
    torch::Tensor month;      // [B] int64 1-12, 0 = unknown
};

// nn.MultiheadAttention(dim, heads, batch_first=True) under PyTorch's names
// (in_proj_weight, in_proj_bias, out_proj.weight, out_proj.bias).
class MultiheadAttentionImpl : public torch::nn::Module {
public:
    MultiheadAttentionImpl(int64_t dim, int64_t heads);
    // q [B,Nq,dim], kv [B,Nk,dim] -> [B,Nq,dim]
    torch::Tensor forward(const torch::Tensor& q, const torch::Tensor& kv);
    torch::Tensor in_proj_weight, in_proj_bias;
    torch::nn::Linear out_proj{nullptr};

private:
    int64_t dim_, heads_;
};
TORCH_MODULE(MultiheadAttention);

class KnowledgeModuleImpl : public torch::nn::Module {
public:
    // attention_stride: the latent is average-pooled by this factor for the
    // attention and the result upsampled back. The authors' latent is 1/8 of
    // the image (stride 1); a base whose VAE down-samples by f < 8 uses 8/f, so
    // the attention always runs on the 1/8 grid of the knowledge encoders and
    // its cost does not grow 64/f^2-fold.
    KnowledgeModuleImpl(int64_t latent_channels = 4, int64_t dim = 256, int64_t heads = 4,
                        int64_t attention_stride = 1);
    // z: scaled latent [B,C,h,w] of branch 0 (RGB) or 1 (IR).
    torch::Tensor forward(const torch::Tensor& z, const KnowledgeInputs& inputs, int branch);
    // z: [2B,C,h,w], the RGB latents then the IR latents of the same B tiles:
    // both branches in one pass, the knowledge latent computed once.
    torch::Tensor forward_branches(const torch::Tensor& z, const KnowledgeInputs& inputs);
    // The knowledge latent [B,C,h,w] and which samples have any knowledge [B].
    std::pair<torch::Tensor, torch::Tensor> knowledge(const KnowledgeInputs& inputs, int64_t batch,
                                                       torch::IntArrayRef latent_size, const torch::Device& device);

    torch::nn::Sequential dem_encoder{nullptr}, lc_encoder{nullptr};
    torch::nn::Embedding month_encoder{nullptr};
    torch::nn::Conv2d latent_project_in{nullptr}, latent_project_out{nullptr};
    MultiheadAttention cross_attn{nullptr};
    torch::Tensor gamma_rgb, gamma_ir;
    int64_t attention_stride() const { return attention_stride_; }
    int64_t dim() const { return latent_project_in->weight.size(0); }
    int64_t heads() const { return heads_; }

private:
    // z + gamma[n] * attention of z's tokens over the knowledge tokens; z holds
    // `branches` batches of the tiles of `inputs`, one after the other.
    torch::Tensor attend(const torch::Tensor& z, const KnowledgeInputs& inputs, const torch::Tensor& gamma,
                         int64_t branches);
    int64_t heads_, attention_stride_;
};
TORCH_MODULE(KnowledgeModule);

// DEM preprocessing of the authors: NaN -> 0, clamp to [0,300] m, to [-1,1].
torch::Tensor normalise_dem(const torch::Tensor& metres);

}  // namespace lssr::sr
