#include "libsr/model/unet.hpp"

#include <cmath>

namespace lssr::sr {

torch::Tensor timestep_embedding(const torch::Tensor& timesteps, int64_t dim, bool flip_sin_to_cos,
                                 double freq_shift) {
    const int64_t half = dim / 2;
    const auto exponent = torch::arange(0, half, torch::TensorOptions().dtype(torch::kFloat32)) *
                          static_cast<float>(-std::log(10000.0)) / static_cast<float>(half - freq_shift);
    const auto angles = timesteps.to(torch::kFloat32).reshape({-1, 1}) * torch::exp(exponent).unsqueeze(0);
    auto emb = flip_sin_to_cos ? torch::cat({torch::cos(angles), torch::sin(angles)}, -1)
                               : torch::cat({torch::sin(angles), torch::cos(angles)}, -1);
    if (dim % 2 == 1) emb = torch::constant_pad_nd(emb, {0, 1}, 0);
    return emb;
}

TimestepEmbeddingImpl::TimestepEmbeddingImpl(int64_t in, int64_t dim, const ParamOptions& options) {
    linear_1 = register_module("linear_1", Linear(in, dim, options));
    linear_2 = register_module("linear_2", Linear(dim, dim, options));
}

torch::Tensor TimestepEmbeddingImpl::forward(const torch::Tensor& x) {
    return linear_2(torch::silu(linear_1(x)));
}

UNet2DConditionModelImpl::UNet2DConditionModelImpl(const UNetConfig& c, const ParamOptions& options)
    : config_(c) {
    const auto& ch = c.block_out_channels;
    const int64_t n = static_cast<int64_t>(ch.size());
    // Registration order follows diffusers' __init__, which fixes the state-dict order:
    // conv_in, time_embedding, down_blocks, up_blocks, mid_block, conv_norm_out, conv_out.
    conv_in = register_module("conv_in", Conv2d(c.in_channels, ch[0], 3, 1, 1, options));
    time_embedding = register_module("time_embedding", TimestepEmbedding(ch[0], c.time_embed_dim, options));
    down_blocks = register_module("down_blocks", torch::nn::ModuleList());
    up_blocks = register_module("up_blocks", torch::nn::ModuleList());

    auto base_spec = [&](int64_t heads, int64_t transformer_layers) {
        UNetBlockSpec s;
        s.temb_channels = c.time_embed_dim;
        s.groups = c.norm_num_groups;
        s.eps = c.norm_eps;
        s.transformer.heads = heads;
        s.transformer.context_dim = c.cross_attention_dim;
        s.transformer.layers = transformer_layers;
        s.transformer.linear_projection = c.use_linear_projection;
        return s;
    };

    int64_t out = ch[0];
    for (int64_t i = 0; i < n; ++i) {
        auto s = base_spec(c.num_attention_heads[i], c.transformer_layers_per_block[i]);
        s.in_channels = out;
        out = ch[i];
        s.out_channels = out;
        s.layers = c.layers_per_block[i];
        s.cross_attention = c.down_block_types[i] == "CrossAttnDownBlock2D";
        s.resample = i < n - 1;
        s.downsample_padding = c.downsample_padding;
        down_blocks->push_back(UNetDownBlock(s, options));
    }

    auto mid = base_spec(c.num_attention_heads.back(), c.transformer_layers_per_block.back());
    mid.in_channels = mid.out_channels = ch.back();
    mid.layers = 1;
    mid.cross_attention = true;
    mid.output_scale_factor = c.mid_block_scale_factor;
    mid_block = register_module("mid_block", UNetMidBlock(mid, options));

    out = ch.back();
    for (int64_t i = 0; i < n; ++i) {
        const int64_t r = n - 1 - i;  // the matching down level
        auto s = base_spec(c.num_attention_heads[r], c.transformer_layers_per_block[r]);
        s.prev_output_channels = out;
        out = ch[r];
        s.out_channels = out;
        s.in_channels = ch[std::max<int64_t>(r - 1, 0)];
        s.layers = c.layers_per_block[r] + 1;
        s.cross_attention = c.up_block_types[i] == "CrossAttnUpBlock2D";
        s.resample = i < n - 1;
        up_blocks->push_back(UNetUpBlock(s, options));
    }

    conv_norm_out = register_module("conv_norm_out", GroupNorm(c.norm_num_groups, ch[0], c.norm_eps, options));
    conv_out = register_module("conv_out", Conv2d(ch[0], c.out_channels, 3, 1, 1, options));
}

torch::Tensor UNet2DConditionModelImpl::forward(const torch::Tensor& sample, const torch::Tensor& timestep,
                                                const torch::Tensor& context) {
    const int64_t batch = sample.size(0);
    const auto t = timestep.dim() == 0 ? timestep.reshape({1}).expand({batch}) : timestep;
    // In the sample's precision (bf16/fp16 runs), as diffusers casts it.
    const auto temb = time_embedding(timestep_embedding(t, config_.block_out_channels[0], config_.flip_sin_to_cos,
                                                        config_.freq_shift)
                                         .to(sample.scalar_type()));

    auto x = config_.center_input_sample ? 2 * sample - 1.0 : sample;
    x = conv_in(x);
    std::vector<torch::Tensor> skips{x};
    for (const auto& block : *down_blocks) x = block->as<UNetDownBlockImpl>()->forward(x, temb, context, skips);
    x = mid_block(x, temb, context);
    for (const auto& block : *up_blocks) {
        auto* up = block->as<UNetUpBlockImpl>();
        // Upsample to the size of the skip the next block will consume.
        std::vector<int64_t> size;
        if (static_cast<int64_t>(skips.size()) > up->layers()) {
            const auto& next = skips[skips.size() - 1 - up->layers()];
            size = {next.size(2), next.size(3)};
        }
        x = up->forward(x, temb, context, skips, size);
    }
    return conv_out(conv_norm_out->forward_silu(x));
}

}  // namespace lssr::sr
