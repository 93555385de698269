#include "libsr/model/resnet.hpp"

namespace lssr::sr {

ResnetBlock2DImpl::ResnetBlock2DImpl(const ResnetSpec& spec, const ParamOptions& options) : spec_(spec) {
    // Registration order = diffusers' attribute order = its state-dict order.
    norm1 = register_module("norm1", GroupNorm(spec.groups, spec.in_channels, spec.eps, options));
    conv1 = register_module("conv1", Conv2d(spec.in_channels, spec.out_channels, 3, 1, 1, options));
    if (spec.temb_channels > 0)
        time_emb_proj = register_module("time_emb_proj", Linear(spec.temb_channels, spec.out_channels, options));
    norm2 = register_module("norm2", GroupNorm(spec.groups, spec.out_channels, spec.eps, options));
    conv2 = register_module("conv2", Conv2d(spec.out_channels, spec.out_channels, 3, 1, 1, options));
    if (spec.in_channels != spec.out_channels)
        conv_shortcut = register_module("conv_shortcut", Conv2d(spec.in_channels, spec.out_channels, 1, 1, 0, options));
}

torch::Tensor ResnetBlock2DImpl::forward(const torch::Tensor& x, const torch::Tensor& temb) {
    auto h = conv1(torch::silu(norm1(x)));
    if (time_emb_proj && temb.defined()) h = h + time_emb_proj(torch::silu(temb)).unsqueeze(-1).unsqueeze(-1);
    h = conv2(torch::silu(norm2(h)));
    const auto shortcut = conv_shortcut ? conv_shortcut(x) : x;
    auto out = shortcut + h;
    return spec_.output_scale_factor == 1.0 ? out : out / spec_.output_scale_factor;
}

Downsample2DImpl::Downsample2DImpl(int64_t channels, int64_t padding, const ParamOptions& options)
    : padding_(padding) {
    conv = register_module("conv", Conv2d(channels, channels, 3, 2, padding, options));
}

torch::Tensor Downsample2DImpl::forward(const torch::Tensor& x) {
    if (padding_ == 0) return conv(torch::constant_pad_nd(x, {0, 1, 0, 1}, 0));
    return conv(x);
}

Upsample2DImpl::Upsample2DImpl(int64_t channels, const ParamOptions& options) {
    conv = register_module("conv", Conv2d(channels, channels, 3, 1, 1, options));
}

torch::Tensor Upsample2DImpl::forward(const torch::Tensor& x, c10::optional<std::vector<int64_t>> size) {
    namespace F = torch::nn::functional;
    auto opts = F::InterpolateFuncOptions().mode(torch::kNearest);
    if (size) opts = opts.size(*size);
    else opts = opts.scale_factor(std::vector<double>{2.0, 2.0});
    return conv(F::interpolate(x, opts));
}

}  // namespace lssr::sr
