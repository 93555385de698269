#include "libsr/model_input.hpp"

#include <torch/torch.h>

#include "libsr/base_model.hpp"

namespace lssr::sr {

namespace F = torch::nn::functional;

at::Tensor pad_to_multiple(const at::Tensor& x, int64_t m) {
    const int64_t ph = (m - x.size(2) % m) % m, pw = (m - x.size(3) % m) % m;
    if (ph == 0 && pw == 0) return x;
    return F::pad(x, F::PadFuncOptions({0, pw, 0, ph}).mode(torch::kReplicate));
}

at::Tensor upsample_x3(const at::Tensor& x) {
    return F::interpolate(x, F::InterpolateFuncOptions()
                                 .size(std::vector<int64_t>{x.size(2) * 3, x.size(3) * 3})
                                 .mode(torch::kBilinear)
                                 .align_corners(false));
}

at::Tensor to_branches(const at::Tensor& reflectance) {
    const auto x = reflectance * 2.0 - 1.0;
    const auto rgb = torch::stack({x.select(1, 2), x.select(1, 1), x.select(1, 0)}, 1);
    return torch::cat({rgb, x.slice(1, 3, 6)}, 0);
}

at::Tensor network_input(const at::Tensor& lr, int64_t m) {
    return pad_to_multiple(to_branches(upsample_x3(lr.clamp(0.0, 1.0))), m);
}

int64_t size_multiple(const BaseModel& base) {
    const auto vae_levels = base.vae->config().block_out_channels.size();
    const auto unet_levels = base.unet->config().block_out_channels.size();
    return (int64_t{1} << (vae_levels - 1)) * (int64_t{1} << (unet_levels - 1));
}

}  // namespace lssr::sr
