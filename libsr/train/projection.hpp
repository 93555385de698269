#pragma once
// lssr-upscale's consistency projection (libupscale/consistency.hpp) as a
// differentiable tensor op, so that training can score the output the user
// gets: y + U(c) with (D U) c = x - D(y), D the 3x3 block mean and U the
// model input's bilinear x3. On a NaN-free patch D U is M_h (x) M_w with the
// tridiagonal M = [1/9, 7/9, 1/9] (8/9 at both ends), so c = M_h^-1 R M_w^-1
// exactly: two small matrix products instead of conjugate gradient. Where the
// input is not finite the residual R is taken as 0 (training patches have none).
#include <torch/torch.h>

namespace lssr::sr {

// sr [B,C,3h,3w] and lr [B,C,h,w] reflectance -> sr projected, whose 3x3 block
// means equal lr (to float precision) wherever lr is finite.
torch::Tensor consistent_projection(const torch::Tensor& sr, const torch::Tensor& lr);

}  // namespace lssr::sr
