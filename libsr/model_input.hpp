#pragma once
// How 6-band reflectance tiles enter the SD networks, shared by inference
// (SrModel) and training (trainer), so that both see exactly the same input.
#include <ATen/core/Tensor.h>

#include <cstdint>

namespace lssr::sr {

struct BaseModel;

// Pads [B,C,H,W] on the right and bottom (edge values repeated) up to multiples of m.
at::Tensor pad_to_multiple(const at::Tensor& x, int64_t m);

// Bilinear x3 (align_corners false): the LR tile onto the output grid.
at::Tensor upsample_x3(const at::Tensor& x);

// [B,6,H,W] reflectance (blue..swir2) -> [2B,3,H,W] in [-1,1]: the RGB
// branch (red, green, blue), then the IR branch (nir, swir1, swir2).
at::Tensor to_branches(const at::Tensor& reflectance);

// LR tile [B,6,h,w] reflectance -> the VAE's input [2B,3,3h,3w] (padded to
// multiples of m): clamped to [0,1], bilinear x3, split into the two branches.
at::Tensor network_input(const at::Tensor& lr, int64_t m);

// Network input sizes must be multiples of this (VAE and UNet down-sampling).
int64_t size_multiple(const BaseModel& base);

}  // namespace lssr::sr
