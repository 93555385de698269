#include "libsr/lssr/sar_head.hpp"

#include "libsr/lssr/model_input.hpp"

#include <algorithm>
#include <vector>

namespace lssr::sr {
namespace {

namespace F = torch::nn::functional;

// Windows of 12x12 tokens per attention call: 32 hold 5 MB of scores (2 heads).
constexpr int64_t kWindowsPerChunk = 32;

// Stride 1: the authors' 3x3 stem at full resolution. Stride s: one token per
// s x s cell of the image (same key names, a kernel of s x s).
torch::nn::Sequential conv_stem(int64_t in, int64_t dim, int64_t stride) {
    const int64_t kernel = sar_stem_kernel(stride);
    const auto first = stride == 1 ? torch::nn::Conv2dOptions(in, dim, kernel).padding(kernel / 2)
                                   : torch::nn::Conv2dOptions(in, dim, kernel).stride(stride);
    return torch::nn::Sequential(torch::nn::Conv2d(first), torch::nn::GELU(),
                                 torch::nn::Conv2d(torch::nn::Conv2dOptions(dim, dim, 1)));
}

// [B,C,H,W] (H, W multiples of ws) -> [B*nW, ws*ws, C]
torch::Tensor partition(const torch::Tensor& x, int64_t ws) {
    const int64_t B = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3);
    return x.view({B, C, H / ws, ws, W / ws, ws}).permute({0, 2, 4, 3, 5, 1}).reshape({-1, ws * ws, C});
}

torch::Tensor unpartition(const torch::Tensor& t, int64_t ws, int64_t B, int64_t C, int64_t H, int64_t W) {
    return t.view({B, H / ws, W / ws, ws, ws, C}).permute({0, 5, 1, 3, 2, 4}).reshape({B, C, H, W});
}

}  // namespace

int64_t sar_stem_kernel(int64_t token_stride) { return token_stride == 1 ? 3 : token_stride; }

WindowCrossAttentionImpl::WindowCrossAttentionImpl(int64_t dim, int64_t heads) : heads_(heads) {
    q = register_module("q", torch::nn::Linear(dim, dim));
    k = register_module("k", torch::nn::Linear(dim, dim));
    v = register_module("v", torch::nn::Linear(dim, dim));
    proj = register_module("proj", torch::nn::Linear(dim, dim));
}

torch::Tensor WindowCrossAttentionImpl::forward(const torch::Tensor& opt, const torch::Tensor& sar) {
    return attend(opt, k(sar), v(sar));
}

torch::Tensor WindowCrossAttentionImpl::attend(const torch::Tensor& opt, const torch::Tensor& keys,
                                               const torch::Tensor& values) {
    const int64_t N = opt.size(0), M = opt.size(1), C = opt.size(2), hd = C / heads_;
    // [N,M,C] -> [N*heads, M, hd], contiguous for bmm. The query is scaled
    // before the product (M*hd values, not M*M): the same attention, and
    // the softmax over windows of 144 tokens is then the only M*M pass left.
    auto heads = [&](const torch::Tensor& x) {
        return x.reshape({N, M, heads_, hd}).permute({0, 2, 1, 3}).reshape({N * heads_, M, hd});
    };
    const auto scores = torch::bmm(heads(q(opt) * std::pow(double(hd), -0.5)), heads(keys).transpose(1, 2));
    const auto mixed = torch::bmm(torch::softmax(scores, -1), heads(values));
    return proj(mixed.view({N, heads_, M, hd}).permute({0, 2, 1, 3}).reshape({N, M, C}));
}

SarMlpImpl::SarMlpImpl(int64_t dim, int64_t hidden) {
    fc1 = register_module("fc1", torch::nn::Linear(dim, hidden));
    fc2 = register_module("fc2", torch::nn::Linear(hidden, dim));
}

torch::Tensor SarMlpImpl::forward(const torch::Tensor& x) { return fc2(torch::gelu(fc1(x))); }

CrossAttnBlock2DImpl::CrossAttnBlock2DImpl(int64_t dim, int64_t heads, int64_t window) : window_(window) {
    norm_q = register_module("norm_q", torch::nn::LayerNorm(torch::nn::LayerNormOptions({dim})));
    norm_kv = register_module("norm_kv", torch::nn::LayerNorm(torch::nn::LayerNormOptions({dim})));
    attn = register_module("attn", WindowCrossAttention(dim, heads));
    norm_out = register_module("norm_out", torch::nn::LayerNorm(torch::nn::LayerNormOptions({dim})));
    mlp = register_module("mlp", SarMlp(dim, dim * 4));
    gate = register_module("gate", torch::nn::Sequential(torch::nn::Linear(dim, dim), torch::nn::GELU(),
                                                         torch::nn::Linear(dim, dim), torch::nn::Sigmoid()));
    gamma = register_parameter("gamma", torch::full({}, 0.1));
}

torch::Tensor CrossAttnBlock2DImpl::forward(const torch::Tensor& opt_in, const torch::Tensor& sar_in) {
    const int64_t B = opt_in.size(0), C = opt_in.size(1), H = opt_in.size(2), W = opt_in.size(3);
    TORCH_CHECK(sar_in.size(0) > 0 && B % sar_in.size(0) == 0, "SAR fusion: ", B,
                " optical images for ", sar_in.size(0), " SAR images");
    const int64_t ph = (window_ - H % window_) % window_, pw = (window_ - W % window_) % window_;
    auto opt = opt_in, sar = sar_in;
    if (ph || pw) {
        opt = F::pad(opt, F::PadFuncOptions({0, pw, 0, ph}));
        sar = F::pad(sar, F::PadFuncOptions({0, pw, 0, ph}));
    }
    const auto opt_tok = partition(opt, window_), sar_tok = partition(sar, window_);
    // The SAR side once per SAR image: its norm, keys, values and gate do not
    // depend on the optical branch that attends to it.
    const auto sar_ln = norm_kv(sar_tok);
    const auto keys = attn->k(sar_ln), values = attn->v(sar_ln);
    const auto gates = gate->forward(sar_ln.mean(1));
    // Every optical step works within a window (norms and MLP per token,
    // attention per window), so windows go in chunks whose attention scores
    // fit in the CPU's cache: the same numbers, twice as fast on a 192 px tile
    // as all 512 windows at once (whose 85 MB of scores stream through
    // memory). A chunk stays within one SAR image's windows.
    const int64_t windows = opt_tok.size(0), sar_windows = sar_tok.size(0);
    std::vector<torch::Tensor> chunks;
    for (int64_t w0 = 0; w0 < windows;) {
        const int64_t s0 = w0 % sar_windows;
        const int64_t n = std::min({kWindowsPerChunk, windows - w0, sar_windows - s0});
        const auto opt_part = opt_tok.slice(0, w0, w0 + n);
        auto fused = attn->attend(norm_q(opt_part), keys.slice(0, s0, s0 + n), values.slice(0, s0, s0 + n));
        fused = opt_part + gamma * (gates.slice(0, s0, s0 + n).unsqueeze(1) * fused);
        chunks.push_back(fused + mlp(norm_out(fused)));
        w0 += n;
    }
    const auto tokens = chunks.size() == 1 ? chunks.front() : torch::cat(chunks, 0);
    auto out = unpartition(tokens, window_, B, C, H + ph, W + pw);
    return out.slice(2, 0, H).slice(3, 0, W);
}

SarHeadImpl::SarHeadImpl(int64_t channels, int64_t sar_channels, int64_t dim, int64_t heads, int64_t layers,
                         int64_t window, int64_t token_stride)
    : shape_{dim, heads, layers, window, token_stride} {
    TORCH_CHECK(token_stride >= 1, "SAR head: token stride must be at least 1");
    opt_in = register_module("opt_in", conv_stem(channels, dim, token_stride));
    sar_in = register_module("sar_in", conv_stem(sar_channels, dim, token_stride));
    auto fusion = std::make_shared<torch::nn::Module>();
    blocks = fusion->register_module("blocks", torch::nn::ModuleList());
    for (int64_t i = 0; i < layers; ++i) blocks->push_back(CrossAttnBlock2D(dim, heads, window));
    register_module("fusion", fusion);
    out_proj = register_module(
        "out_proj", torch::nn::Conv2d(torch::nn::Conv2dOptions(dim, channels * token_stride * token_stride, 1)));
    gamma = register_parameter("gamma", torch::full({}, 0.1));
}

torch::Tensor SarHeadImpl::forward(const torch::Tensor& image, const torch::Tensor& sar) {
    const int64_t s = shape_.token_stride, H = image.size(2), W = image.size(3);
    // Whole cells: the edge pixels repeated, the padding dropped at the end.
    auto x = opt_in->forward(pad_to_multiple(image, s));
    const auto f = sar_in->forward(pad_to_multiple(sar, s));
    for (const auto& blk : *blocks) x = blk->as<CrossAttnBlock2DImpl>()->forward(x, f);
    auto delta = out_proj->forward(x);
    if (s > 1) delta = torch::pixel_shuffle(delta, s);
    return image + gamma * delta.slice(2, 0, H).slice(3, 0, W);
}

torch::Tensor normalise_s1(const torch::Tensor& db) {
    const auto finite = torch::where(torch::isfinite(db), db, torch::zeros_like(db));
    const auto linear = torch::pow(10.0, finite / 10.0);
    const auto peak = std::get<0>(linear.flatten(2).max(2)).clamp_min(1e-6).unsqueeze(-1).unsqueeze(-1);
    return (linear / peak) * 2.0 - 1.0;
}

}  // namespace lssr::sr
