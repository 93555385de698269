#include "libsr/model/layers.hpp"

namespace lssr::sr {

namespace {

torch::Tensor make_param(torch::IntArrayRef shape, const ParamOptions& options) {
    // Meta tensors have no storage to fill; CPU ones start defined (zero) until loaded.
    if (options.tensor.device().type() == c10::DeviceType::Meta) return torch::empty(shape, options.tensor);
    return torch::zeros(shape, options.tensor);
}

}  // namespace

Conv2dImpl::Conv2dImpl(int64_t in, int64_t out, int64_t kernel, int64_t stride, int64_t padding,
                       const ParamOptions& options, bool with_bias)
    : stride_(stride), padding_(padding) {
    weight = register_parameter("weight", make_param({out, in, kernel, kernel}, options));
    if (with_bias) bias = register_parameter("bias", make_param({out}, options));
}

torch::Tensor Conv2dImpl::forward(const torch::Tensor& x) {
    auto y = torch::conv2d(x, weight, bias, stride_, padding_);
    for (const auto& l : lora)
        if (l.active) y = y + l.scaling * torch::conv2d(torch::conv2d(x, l.A, {}, stride_, padding_), l.B);
    return y;
}

LinearImpl::LinearImpl(int64_t in, int64_t out, const ParamOptions& options, bool with_bias) {
    weight = register_parameter("weight", make_param({out, in}, options));
    if (with_bias) bias = register_parameter("bias", make_param({out}, options));
}

torch::Tensor LinearImpl::forward(const torch::Tensor& x) {
    auto y = torch::linear(x, weight, bias);
    for (const auto& l : lora)
        if (l.active) y = y + l.scaling * torch::linear(torch::linear(x, l.A), l.B);
    return y;
}

GroupNormImpl::GroupNormImpl(int64_t groups, int64_t channels, double eps, const ParamOptions& options)
    : groups_(groups), eps_(eps) {
    weight = register_parameter("weight", make_param({channels}, options));
    bias = register_parameter("bias", make_param({channels}, options));
}

torch::Tensor GroupNormImpl::forward(const torch::Tensor& x) {
    return torch::group_norm(x, groups_, weight, bias, eps_);
}

torch::Tensor GroupNormImpl::forward_silu(const torch::Tensor& x) {
    auto normed = forward(x);
    return normed.requires_grad() ? torch::silu(normed) : torch::silu_(normed);
}

LayerNormImpl::LayerNormImpl(int64_t dim, double eps, const ParamOptions& options) : dim_(dim), eps_(eps) {
    weight = register_parameter("weight", make_param({dim}, options));
    bias = register_parameter("bias", make_param({dim}, options));
}

torch::Tensor LayerNormImpl::forward(const torch::Tensor& x) {
    return torch::layer_norm(x, {dim_}, weight, bias, eps_);
}

}  // namespace lssr::sr
