#include "libsr/lssr/model_input.hpp"

#include <torch/torch.h>

#include "libsr/model/base_model.hpp"
#include "libio/core/scale.hpp"

namespace lssr::sr {

namespace F = torch::nn::functional;

namespace {

// Floor of a band's spread in a tile: a flat tile (calm water, a uniform
// field) is not stretched until its noise fills the network's range.
constexpr double kMinStd = 0.005;
// Bands' spread to the network's unit: +-3 std maps onto +-1.
constexpr double kStdPerUnit = 3.0;
// Upper clamp of tile-band inputs: snow and cloud tops exceed 1 in TOA
// reflectance; anything above 2 is not a surface.
constexpr double kMaxReflectance = 2.0;

// [B,6,...] per band values -> [2B,3,...] in branch order (red, green, blue | nir, swir1, swir2).
at::Tensor band_to_branch(const at::Tensor& x) {
    const auto rgb = torch::stack({x.select(1, 2), x.select(1, 1), x.select(1, 0)}, 1);
    return torch::cat({rgb, x.slice(1, 3, 6)}, 0);
}

// The inverse reordering: [2B,3,...] -> [B,6,...] blue..swir2.
at::Tensor branch_to_band(const at::Tensor& x) {
    const int64_t B = x.size(0) / 2;
    const auto rgb = x.slice(0, 0, B), ir = x.slice(0, B);
    return torch::cat({torch::stack({rgb.select(1, 2), rgb.select(1, 1), rgb.select(1, 0)}, 1), ir}, 1);
}

}  // namespace

at::Tensor pad_to_multiple(const at::Tensor& x, int64_t m) {
    const int64_t ph = (m - x.size(2) % m) % m, pw = (m - x.size(3) % m) % m;
    if (ph == 0 && pw == 0) return x;
    return F::pad(x, F::PadFuncOptions({0, pw, 0, ph}).mode(torch::kReplicate));
}

at::Tensor upsample_x3(const at::Tensor& x) {
    return F::interpolate(x, F::InterpolateFuncOptions()
                                 .size(std::vector<int64_t>{x.size(2) * kScaleFactor, x.size(3) * kScaleFactor})
                                 .mode(torch::kBilinear)
                                 .align_corners(false));
}

at::Tensor upsample_x3_bicubic(const at::Tensor& x) {
    return F::interpolate(x, F::InterpolateFuncOptions()
                                 .size(std::vector<int64_t>{x.size(2) * kScaleFactor, x.size(3) * kScaleFactor})
                                 .mode(torch::kBicubic)
                                 .align_corners(false));
}

at::Tensor to_branches(const at::Tensor& reflectance) { return band_to_branch(reflectance * 2.0 - 1.0); }

at::Tensor from_branches(const at::Tensor& branches) { return branch_to_band((branches + 1.0) * 0.5); }

BranchScaling branch_scaling(const at::Tensor& lr, InputNormalisation mode) {
    const auto opts = lr.options().dtype(torch::kFloat32);
    if (mode == InputNormalisation::Fixed) {
        const auto half = torch::full({2 * lr.size(0), 3, 1, 1}, 0.5, opts);
        return {half, half};
    }
    const auto x = lr.to(torch::kFloat32).clamp(0.0, kMaxReflectance).flatten(2);
    const auto mean = x.mean(2);
    const auto spread = x.std(2, /*unbiased=*/false).clamp_min(kMinStd) * kStdPerUnit;
    return {band_to_branch(mean.unsqueeze(2)).unsqueeze(3), band_to_branch(spread.unsqueeze(2)).unsqueeze(3)};
}

at::Tensor normalise_branches(const at::Tensor& reflectance, const BranchScaling& s) {
    return (band_to_branch(reflectance) - s.offset) / s.scale;
}

at::Tensor denormalise_branches(const at::Tensor& images, const BranchScaling& s) {
    return branch_to_band(images * s.scale + s.offset);
}

at::Tensor network_input(const at::Tensor& lr, int64_t m) {
    return pad_to_multiple(to_branches(upsample_x3(lr.clamp(0.0, 1.0))), m);
}

at::Tensor network_input(const at::Tensor& lr, int64_t m, InputNormalisation mode, const BranchScaling& s) {
    if (mode == InputNormalisation::Fixed) return network_input(lr, m);
    return pad_to_multiple(normalise_branches(upsample_x3_bicubic(lr.clamp(0.0, kMaxReflectance)), s), m);
}

at::Tensor target_images(const at::Tensor& hr, const at::Tensor& lr, int64_t m, InputNormalisation mode) {
    if (mode == InputNormalisation::Fixed) return pad_to_multiple(to_branches(hr), m);
    return pad_to_multiple(normalise_branches(hr, branch_scaling(lr.to(hr.device()), mode)), m);
}

at::Tensor images_to_reflectance(const at::Tensor& images, const at::Tensor& lr, InputNormalisation mode) {
    if (mode == InputNormalisation::Fixed) return from_branches(images.clamp(-1.0, 1.0));
    return denormalise_branches(images, branch_scaling(lr.to(images.device()), mode));
}

int64_t size_multiple(const BaseModel& base) {
    const auto vae_levels = base.vae->config().block_out_channels.size();
    const auto unet_levels = base.unet->config().block_out_channels.size();
    return (int64_t{1} << (vae_levels - 1)) * (int64_t{1} << (unet_levels - 1));
}

InputNormalisation input_normalisation(const BaseModel& base) { return base.vae->config().normalisation; }

}  // namespace lssr::sr
