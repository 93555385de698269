#pragma once
// How 6-band reflectance tiles enter the SD networks and how their images come
// back as reflectance, shared by inference (SrModel) and training (trainer), so
// that both see exactly the same spaces.
#include <ATen/core/Tensor.h>

#include <cstdint>

#include "libsr/formats/configs.hpp"

namespace lssr::sr {

struct BaseModel;

// Pads [B,C,H,W] on the right and bottom (edge values repeated) up to multiples of m.
at::Tensor pad_to_multiple(const at::Tensor& x, int64_t m);

// Bilinear x3 (align_corners false): the LR tile onto the output grid.
at::Tensor upsample_x3(const at::Tensor& x);
// Bicubic x3 (align_corners false, edges clamped): the smooth upsampling the
// tile-band networks add their detail to.
at::Tensor upsample_x3_bicubic(const at::Tensor& x);

// [B,6,H,W] reflectance (blue..swir2) -> [2B,3,H,W] in [-1,1]: the RGB
// branch (red, green, blue), then the IR branch (nir, swir1, swir2). The
// fixed space, also the one training losses are measured in.
at::Tensor to_branches(const at::Tensor& reflectance);
// The inverse: [2B,3,H,W] branch images in the fixed space -> [B,6,H,W] reflectance.
at::Tensor from_branches(const at::Tensor& branches);

// The affine map between reflectance and the networks' image space of one
// batch, per branch image and channel: network = (rho - offset) / scale, with
// offset and scale [2B,3,1,1] in branch order.
struct BranchScaling {
    at::Tensor offset, scale;
};
// Fixed: offset 0.5, scale 0.5. TileBand: the mean and 3 * max(std, 0.005) of
// each band over the (clamped, NaN-free) LR tile [B,6,h,w].
BranchScaling branch_scaling(const at::Tensor& lr, InputNormalisation mode);
// Reflectance [B,6,H,W] -> [2B,3,H,W] network images; and back.
at::Tensor normalise_branches(const at::Tensor& reflectance, const BranchScaling& s);
at::Tensor denormalise_branches(const at::Tensor& images, const BranchScaling& s);

// LR tile [B,6,h,w] reflectance -> the VAE's input [2B,3,3h,3w] (padded to
// multiples of m). Fixed (SPEC §5): clamped to [0,1], bilinear x3, x = 2*rho-1.
// TileBand: clamped to [0, 2], bicubic x3, normalised by `s`.
at::Tensor network_input(const at::Tensor& lr, int64_t m, InputNormalisation mode, const BranchScaling& s);
// The fixed path's input (SPEC §5) with its own scaling.
at::Tensor network_input(const at::Tensor& lr, int64_t m);

// The HR patch [B,6,3h,3w] in the networks' image space of its LR tile
// [B,6,h,w] (what the VAE learns to reconstruct and the UNet to reach),
// padded to multiples of m.
at::Tensor target_images(const at::Tensor& hr, const at::Tensor& lr, int64_t m, InputNormalisation mode);
// Network images [2B,3,H,W] of LR tiles [B,6,h,w] -> reflectance [B,6,H,W].
at::Tensor images_to_reflectance(const at::Tensor& images, const at::Tensor& lr, InputNormalisation mode);

// Network input sizes must be multiples of this (VAE and UNet down-sampling).
int64_t size_multiple(const BaseModel& base);
// The base's input space (from its VAE config).
InputNormalisation input_normalisation(const BaseModel& base);

}  // namespace lssr::sr
