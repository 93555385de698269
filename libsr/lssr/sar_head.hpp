#pragma once
// LSSR's SAR-guided optical head (SARFusion.py::SARGuidedOpticalHead of the
// authors, dim 96, 6 heads, 2 blocks, 12x12 windows, gating), applied to each
// decoded branch: out = image + gamma * out_proj(fusion(opt_in(image), sar_in(s1))).
// Windows are padded at any size. Parameter names equal the authors' keys.
// token_stride s > 1 is this suite's cheap variant: the stems cut the image
// into s x s cells (a strided s x s convolution, one token per 30 m input
// pixel at s = 3), the fusion runs on that grid (s^2 fewer tokens) and
// out_proj gives each token its s x s block back by a pixel shuffle.
#include <torch/torch.h>

namespace lssr::sr {

class WindowCrossAttentionImpl : public torch::nn::Module {
public:
    WindowCrossAttentionImpl(int64_t dim, int64_t heads);
    torch::Tensor forward(const torch::Tensor& opt, const torch::Tensor& sar);  // [N,M,C]
    // The same with the SAR tokens' keys and values already projected ([N,M,C] each).
    torch::Tensor attend(const torch::Tensor& opt, const torch::Tensor& keys, const torch::Tensor& values);
    torch::nn::Linear q{nullptr}, k{nullptr}, v{nullptr}, proj{nullptr};

private:
    int64_t heads_;
};
TORCH_MODULE(WindowCrossAttention);

class SarMlpImpl : public torch::nn::Module {
public:
    SarMlpImpl(int64_t dim, int64_t hidden);
    torch::Tensor forward(const torch::Tensor& x);
    torch::nn::Linear fc1{nullptr}, fc2{nullptr};
};
TORCH_MODULE(SarMlp);

class CrossAttnBlock2DImpl : public torch::nn::Module {
public:
    CrossAttnBlock2DImpl(int64_t dim, int64_t heads, int64_t window);
    // opt [B,C,H,W]; sar [b,C,H,W] with B a multiple of b: optical image i
    // attends to SAR image i % b, whose keys, values and gate are computed
    // once (both decoded branches share one S1 scene).
    torch::Tensor forward(const torch::Tensor& opt, const torch::Tensor& sar);

private:
    int64_t window_;
    torch::nn::LayerNorm norm_q{nullptr}, norm_kv{nullptr}, norm_out{nullptr};
    WindowCrossAttention attn{nullptr};
    SarMlp mlp{nullptr};
    torch::nn::Sequential gate{nullptr};
    torch::Tensor gamma;
};
TORCH_MODULE(CrossAttnBlock2D);

// The sizes a SarHead is built with (stored in bundles' architecture).
struct SarHeadShape {
    int64_t dim = 96, heads = 6, layers = 2, window = 12;
    int64_t token_stride = 1;  // 1: a token per output pixel, as the authors
};

// The side of the stems' first kernel (post_fusion.opt_in.0 / sar_in.0): the
// authors' 3 at token stride 1, one whole s x s cell at stride s.
int64_t sar_stem_kernel(int64_t token_stride);

class SarHeadImpl : public torch::nn::Module {
public:
    SarHeadImpl(int64_t channels = 3, int64_t sar_channels = 2, int64_t dim = 96, int64_t heads = 6,
                int64_t layers = 2, int64_t window = 12, int64_t token_stride = 1);
    // image [B,3,H,W] in [-1,1]; sar [b,2,H,W] normalised (normalise_s1), B a
    // multiple of b (image i fused with SAR scene i % b). Any H, W: cells
    // and windows are padded and the padding dropped.
    torch::Tensor forward(const torch::Tensor& image, const torch::Tensor& sar);
    const SarHeadShape& shape() const { return shape_; }

private:
    SarHeadShape shape_;
    torch::nn::Sequential opt_in{nullptr}, sar_in{nullptr};
    torch::nn::ModuleList blocks{nullptr};  // registered as fusion.blocks
    torch::nn::Conv2d out_proj{nullptr};
    torch::Tensor gamma;
};
TORCH_MODULE(SarHead);

// The authors' S1 preprocessing per tile: dB (NaN -> 0 dB) to linear power,
// divided by each channel's maximum over the tile, mapped to [-1,1].
torch::Tensor normalise_s1(const torch::Tensor& db);

}  // namespace lssr::sr
