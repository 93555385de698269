#include "libsr/model/transformer.hpp"

namespace lssr::sr {

namespace {
// diffusers: GroupNorm eps 1e-6 in Transformer2DModel, LayerNorm eps 1e-5 in its blocks.
constexpr double kTransformerGroupNormEps = 1e-6;
constexpr double kLayerNormEps = 1e-5;
}  // namespace

GEGLUImpl::GEGLUImpl(int64_t dim_in, int64_t dim_out, const ParamOptions& options) {
    proj = register_module("proj", Linear(dim_in, dim_out * 2, options));
}

torch::Tensor GEGLUImpl::forward(const torch::Tensor& x) {
    const auto parts = proj(x).chunk(2, -1);
    return parts[0] * torch::gelu(parts[1]);
}

FeedForwardImpl::FeedForwardImpl(int64_t dim, const ParamOptions& options) {
    const int64_t inner = dim * 4;
    net = register_module("net", torch::nn::ModuleList());
    net->push_back(GEGLU(dim, inner, options));
    net->push_back(Placeholder());
    net->push_back(Linear(inner, dim, options));
}

torch::Tensor FeedForwardImpl::forward(const torch::Tensor& x) {
    return net[2]->as<LinearImpl>()->forward(net[0]->as<GEGLUImpl>()->forward(x));
}

BasicTransformerBlockImpl::BasicTransformerBlockImpl(int64_t dim, int64_t heads, int64_t head_dim,
                                                     int64_t context_dim, const ParamOptions& options) {
    norm1 = register_module("norm1", LayerNorm(dim, kLayerNormEps, options));
    attn1 = register_module("attn1", Attention(dim, 0, heads, head_dim, false, options));
    norm2 = register_module("norm2", LayerNorm(dim, kLayerNormEps, options));
    attn2 = register_module("attn2", Attention(dim, context_dim, heads, head_dim, false, options));
    norm3 = register_module("norm3", LayerNorm(dim, kLayerNormEps, options));
    ff = register_module("ff", FeedForward(dim, options));
}

torch::Tensor BasicTransformerBlockImpl::forward(const torch::Tensor& x, const torch::Tensor& context) {
    auto h = attn1(norm1(x)) + x;
    h = attn2(norm2(h), context) + h;
    return ff(norm3(h)) + h;
}

Transformer2DModelImpl::Transformer2DModelImpl(const TransformerSpec& spec, const ParamOptions& options)
    : spec_(spec) {
    const int64_t c = spec.channels;
    norm = register_module("norm", GroupNorm(spec.groups, c, kTransformerGroupNormEps, options));
    if (spec.linear_projection) {
        proj_in = torch::nn::AnyModule(Linear(c, c, options));
        proj_out = torch::nn::AnyModule(Linear(c, c, options));
    } else {
        proj_in = torch::nn::AnyModule(Conv2d(c, c, 1, 1, 0, options));
        proj_out = torch::nn::AnyModule(Conv2d(c, c, 1, 1, 0, options));
    }
    register_module("proj_in", proj_in.ptr());
    transformer_blocks = register_module("transformer_blocks", torch::nn::ModuleList());
    for (int64_t i = 0; i < spec.layers; ++i)
        transformer_blocks->push_back(BasicTransformerBlock(c, spec.heads, c / spec.heads, spec.context_dim, options));
    register_module("proj_out", proj_out.ptr());
}

torch::Tensor Transformer2DModelImpl::forward(const torch::Tensor& x, const torch::Tensor& context) {
    const int64_t b = x.size(0), c = x.size(1), h = x.size(2), w = x.size(3);
    auto to_tokens = [&](const torch::Tensor& t) { return t.permute({0, 2, 3, 1}).reshape({b, h * w, c}); };
    auto to_image = [&](const torch::Tensor& t) { return t.reshape({b, h, w, c}).permute({0, 3, 1, 2}); };
    auto hidden = norm(x);
    hidden = spec_.linear_projection ? proj_in.forward(to_tokens(hidden)) : to_tokens(proj_in.forward(hidden));
    for (const auto& block : *transformer_blocks)
        hidden = block->as<BasicTransformerBlockImpl>()->forward(hidden, context);
    hidden = spec_.linear_projection ? to_image(proj_out.forward(hidden)) : proj_out.forward(to_image(hidden));
    return hidden + x;
}

}  // namespace lssr::sr
