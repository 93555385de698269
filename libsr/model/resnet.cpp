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
    auto h = conv1(norm1->forward_silu(x));
    if (time_emb_proj && temb.defined()) h = h + time_emb_proj(torch::silu(temb)).unsqueeze(-1).unsqueeze(-1);
    h = conv2(norm2->forward_silu(h));
    const auto shortcut = conv_shortcut ? conv_shortcut(x) : x;
    // h is conv2's fresh output: in inference the sum goes into it.
    auto out = h.requires_grad() ? shortcut + h : h.add_(shortcut);
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

namespace {

// Below this many input pixels the plain path is faster (measured on the CPU,
// one thread: 24x24 and 48x48 lose, 96x96 wins by 1.9x).
constexpr int64_t kMinPhasedPixels = 64 * 64;

// Nearest 2x upsampling then a 3x3 convolution (padding 1) is, for each of the
// four output phases (a, b), a 3x3 convolution of the input itself whose taps
// are sums of the kernel's: output row 2i+a sees upsampled rows 2i+a-1..2i+a+1,
// i.e. input rows i-1, i (a = 0: taps {0} and {1,2}) or i, i+1 (a = 1: taps
// {0,1} and {2}); columns alike. The four phases go as one convolution of 4x
// the channels, interleaved by a pixel shuffle: the same sums at a quarter of
// the pixels, without the upsampled copy. Borders agree: the input's zero
// padding stands where the upsampled image's would.
torch::Tensor upsample_conv_phased(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias) {
    const auto fp32 = weight.options().dtype(torch::kFloat32);
    auto taps = torch::zeros({2, 3, 3}, fp32);  // [phase, new tap, old tap]
    taps[0][0][0] = 1, taps[0][1][1] = 1, taps[0][1][2] = 1;
    taps[1][1][0] = 1, taps[1][1][1] = 1, taps[1][2][2] = 1;
    // Tap sums in fp32, then the weight's own precision.
    const auto kernel = torch::einsum("ark,oikl,bsl->oabirs", {taps, weight.to(torch::kFloat32), taps})
                            .reshape({weight.size(0) * 4, weight.size(1), 3, 3})
                            .to(weight.scalar_type());
    const auto phased_bias = bias.defined() ? bias.repeat_interleave(4) : torch::Tensor();
    return torch::pixel_shuffle(torch::conv2d(x, kernel, phased_bias, 1, 1), 2);
}

}  // namespace

torch::Tensor Upsample2DImpl::forward(const torch::Tensor& x, c10::optional<std::vector<int64_t>> size) {
    namespace F = torch::nn::functional;
    // Inference on the CPU at a plain 2x: the phased form (training and
    // adapters keep diffusers' own ops).
    const bool phased = !size && !torch::GradMode::is_enabled() && conv->lora.empty() && x.device().is_cpu() &&
                        x.size(2) * x.size(3) >= kMinPhasedPixels;
    if (phased) return upsample_conv_phased(x, conv->weight, conv->bias);
    auto opts = F::InterpolateFuncOptions().mode(torch::kNearest);
    if (size) opts = opts.size(*size);
    else opts = opts.scale_factor(std::vector<double>{2.0, 2.0});
    return conv(F::interpolate(x, opts));
}

}  // namespace lssr::sr
