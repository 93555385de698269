#include "libsr/train/losses.hpp"

#include <torch/fft.h>

namespace lssr::sr {

namespace {

// [-1,1] -> [0,1], the range the authors' FFT and NDVI losses work in.
torch::Tensor to_unit(const torch::Tensor& x) { return (x + 1.0) * 0.5; }

torch::Tensor log_amplitude(const torch::Tensor& x) {
    return torch::log1p(torch::abs(torch::fft::fft2(to_unit(x))));
}

torch::Tensor ndvi(const torch::Tensor& rgb, const torch::Tensor& ir) {
    const auto red = to_unit(rgb.select(1, 0));
    const auto nir = to_unit(ir.select(1, 0));
    return (nir - red) / (nir + red + 1e-6);
}

// Broadcasting would silently compare an image with the wrong target.
void check_same_shape(const torch::Tensor& a, const torch::Tensor& b, const char* what) {
    TORCH_CHECK(a.sizes() == b.sizes(), what, ": prediction ", a.sizes(), " and target ", b.sizes(), " differ in shape");
}

}  // namespace

torch::Tensor l2_loss(const torch::Tensor& pred, const torch::Tensor& target) {
    check_same_shape(pred, target, "l2_loss");
    return torch::mse_loss(pred, target);
}

torch::Tensor fft_loss(const torch::Tensor& pred, const torch::Tensor& target) {
    check_same_shape(pred, target, "fft_loss");
    return torch::mean(torch::abs(log_amplitude(pred) - log_amplitude(target)));
}

torch::Tensor ndvi_loss(const torch::Tensor& pred_rgb, const torch::Tensor& pred_ir,
                        const torch::Tensor& target_rgb, const torch::Tensor& target_ir, NdviLossKind kind) {
    check_same_shape(pred_rgb, target_rgb, "ndvi_loss (RGB branch)");
    check_same_shape(pred_ir, target_ir, "ndvi_loss (IR branch)");
    const auto p = ndvi(pred_rgb, pred_ir);
    const auto t = ndvi(target_rgb, target_ir);
    return kind == NdviLossKind::L1 ? torch::l1_loss(p, t) : torch::mse_loss(p, t);
}

torch::Tensor consistency_loss(const torch::Tensor& sr_reflectance, const torch::Tensor& lr_reflectance, int64_t scale) {
    TORCH_CHECK(sr_reflectance.dim() == 4 && lr_reflectance.dim() == 4 &&
                    sr_reflectance.size(0) == lr_reflectance.size(0) && sr_reflectance.size(1) == lr_reflectance.size(1) &&
                    sr_reflectance.size(2) == lr_reflectance.size(2) * scale &&
                    sr_reflectance.size(3) == lr_reflectance.size(3) * scale,
                "consistency_loss: prediction ", sr_reflectance.sizes(), " is not ", scale, "x the input ",
                lr_reflectance.sizes());
    const auto blocks = torch::avg_pool2d(sr_reflectance, {scale, scale}, {scale, scale});
    const auto lr = lr_reflectance.to(blocks.device(), blocks.scalar_type());
    const auto valid = torch::isfinite(lr);
    // Masked mean; zero (with a zero gradient) when nothing is valid.
    const auto diff = torch::where(valid, (blocks - torch::nan_to_num(lr)).abs(), torch::zeros_like(blocks));
    return diff.sum() / valid.sum().clamp_min(1).to(diff.scalar_type());
}

}  // namespace lssr::sr
