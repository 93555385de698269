#include "libsr/model/vae.hpp"

namespace lssr::sr {

namespace {
constexpr double kVaeEps = 1e-6;  // every VAE norm uses eps 1e-6 in diffusers

ResnetBlock2D vae_resnet(int64_t in, int64_t out, int64_t groups, const ParamOptions& options) {
    ResnetSpec s;
    s.in_channels = in;
    s.out_channels = out;
    s.groups = groups;
    s.eps = kVaeEps;
    return ResnetBlock2D(s, options);
}
}  // namespace

VaeMidBlockImpl::VaeMidBlockImpl(int64_t channels, int64_t groups, bool add_attention, const ParamOptions& options) {
    if (add_attention) attentions = register_module("attentions", torch::nn::ModuleList());
    resnets = register_module("resnets", torch::nn::ModuleList());
    resnets->push_back(vae_resnet(channels, channels, groups, options));
    if (add_attention) attentions->push_back(VaeAttention(channels, groups, kVaeEps, options));
    resnets->push_back(vae_resnet(channels, channels, groups, options));
}

torch::Tensor VaeMidBlockImpl::forward(torch::Tensor x) {
    x = resnets[0]->as<ResnetBlock2DImpl>()->forward(x);
    if (attentions) x = attentions[0]->as<VaeAttentionImpl>()->forward(x);
    return resnets[1]->as<ResnetBlock2DImpl>()->forward(x);
}

VaeBlockImpl::VaeBlockImpl(Kind kind, int64_t in, int64_t out, int64_t layers, int64_t groups, bool resample,
                           const ParamOptions& options)
    : kind_(kind) {
    resnets = register_module("resnets", torch::nn::ModuleList());
    for (int64_t i = 0; i < layers; ++i) resnets->push_back(vae_resnet(i == 0 ? in : out, out, groups, options));
    if (!resample) return;
    if (kind == Kind::Down) {
        samplers = register_module("downsamplers", torch::nn::ModuleList());
        samplers->push_back(Downsample2D(out, 0, options));  // padding 0: asymmetric pad, as the encoder does
    } else {
        samplers = register_module("upsamplers", torch::nn::ModuleList());
        samplers->push_back(Upsample2D(out, options));
    }
}

torch::Tensor VaeBlockImpl::forward(torch::Tensor x) {
    for (const auto& r : *resnets) x = r->as<ResnetBlock2DImpl>()->forward(x);
    if (!samplers) return x;
    if (kind_ == Kind::Down) return samplers[0]->as<Downsample2DImpl>()->forward(x);
    return samplers[0]->as<Upsample2DImpl>()->forward(x);
}

VaeEncoderImpl::VaeEncoderImpl(const VaeConfig& c, const ParamOptions& options) {
    const auto& ch = c.block_out_channels;
    const int64_t n = static_cast<int64_t>(ch.size());
    conv_in = register_module("conv_in", Conv2d(c.in_channels, ch[0], 3, 1, 1, options));
    down_blocks = register_module("down_blocks", torch::nn::ModuleList());
    int64_t out = ch[0];
    for (int64_t i = 0; i < n; ++i) {
        const int64_t in = out;
        out = ch[i];
        down_blocks->push_back(VaeBlock(VaeBlockImpl::Kind::Down, in, out, c.layers_per_block, c.norm_num_groups,
                                        i < n - 1, options));
    }
    mid_block = register_module("mid_block", VaeMidBlock(ch.back(), c.norm_num_groups, c.mid_block_add_attention, options));
    conv_norm_out = register_module("conv_norm_out", GroupNorm(c.norm_num_groups, ch.back(), kVaeEps, options));
    conv_out = register_module("conv_out", Conv2d(ch.back(), 2 * c.latent_channels, 3, 1, 1, options));
}

torch::Tensor VaeEncoderImpl::forward(const torch::Tensor& x) {
    auto h = conv_in(x);
    for (const auto& b : *down_blocks) h = b->as<VaeBlockImpl>()->forward(h);
    h = mid_block(h);
    return conv_out(conv_norm_out->forward_silu(h));
}

VaeDecoderImpl::VaeDecoderImpl(const VaeConfig& c, const ParamOptions& options) {
    const auto& ch = c.block_out_channels;
    const int64_t n = static_cast<int64_t>(ch.size());
    conv_in = register_module("conv_in", Conv2d(c.latent_channels, ch.back(), 3, 1, 1, options));
    // diffusers creates up_blocks before mid_block, hence this state-dict order.
    up_blocks = register_module("up_blocks", torch::nn::ModuleList());
    mid_block = register_module("mid_block", VaeMidBlock(ch.back(), c.norm_num_groups, c.mid_block_add_attention, options));
    int64_t out = ch.back();
    for (int64_t i = 0; i < n; ++i) {
        const int64_t in = out;
        out = ch[n - 1 - i];
        up_blocks->push_back(VaeBlock(VaeBlockImpl::Kind::Up, in, out, c.layers_per_block + 1, c.norm_num_groups,
                                      i < n - 1, options));
    }
    conv_norm_out = register_module("conv_norm_out", GroupNorm(c.norm_num_groups, ch[0], kVaeEps, options));
    conv_out = register_module("conv_out", Conv2d(ch[0], c.out_channels, 3, 1, 1, options));
}

torch::Tensor VaeDecoderImpl::forward(const torch::Tensor& z) {
    auto h = mid_block(conv_in(z));
    for (const auto& b : *up_blocks) h = b->as<VaeBlockImpl>()->forward(h);
    return conv_out(conv_norm_out->forward_silu(h));
}

AutoencoderKLImpl::AutoencoderKLImpl(const VaeConfig& c, const ParamOptions& options) : config_(c) {
    encoder = register_module("encoder", VaeEncoder(c, options));
    decoder = register_module("decoder", VaeDecoder(c, options));
    quant_conv = register_module("quant_conv", Conv2d(2 * c.latent_channels, 2 * c.latent_channels, 1, 1, 0, options));
    post_quant_conv = register_module("post_quant_conv", Conv2d(c.latent_channels, c.latent_channels, 1, 1, 0, options));
}

LatentDistribution AutoencoderKLImpl::encode(const torch::Tensor& x) {
    const auto moments = quant_conv(encoder(x)).chunk(2, 1);
    return {moments[0], torch::clamp(moments[1], -30.0, 20.0)};
}

torch::Tensor AutoencoderKLImpl::decode(const torch::Tensor& z) { return decoder(post_quant_conv(z)); }

}  // namespace lssr::sr
