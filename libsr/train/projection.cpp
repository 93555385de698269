#include "libsr/train/projection.hpp"

#include "libsr/lssr/model_input.hpp"

namespace lssr::sr {
namespace {

constexpr int64_t kScale = 3;

// The inverse of the n x n block mean of the bilinear x3, in the sr's dtype.
torch::Tensor inverse_block_mean_of_bilinear(int64_t n, const torch::TensorOptions& options) {
    auto m = torch::zeros({n, n}, torch::kFloat64);
    auto a = m.accessor<double, 2>();
    for (int64_t i = 0; i < n; ++i) {
        a[i][i] = 7.0 / 9;
        // A missing neighbour at an edge is the pixel itself (edges clamped).
        a[i][i > 0 ? i - 1 : i] += 1.0 / 9;
        a[i][i + 1 < n ? i + 1 : i] += 1.0 / 9;
    }
    return torch::inverse(m).to(options);
}

}  // namespace

torch::Tensor consistent_projection(const torch::Tensor& sr, const torch::Tensor& lr) {
    TORCH_CHECK(sr.dim() == 4 && lr.dim() == 4 && sr.size(0) == lr.size(0) && sr.size(1) == lr.size(1) &&
                    sr.size(2) == lr.size(2) * kScale && sr.size(3) == lr.size(3) * kScale,
                "consistent_projection: prediction ", sr.sizes(), " is not 3x the input ", lr.sizes());
    const auto x = lr.to(sr.device(), sr.scalar_type());
    const auto blocks = torch::avg_pool2d(sr, {kScale, kScale}, {kScale, kScale});
    const auto residual = torch::where(torch::isfinite(x), torch::nan_to_num(x) - blocks, torch::zeros_like(blocks));
    const auto options = sr.options().requires_grad(false);
    const auto c = torch::matmul(torch::matmul(inverse_block_mean_of_bilinear(lr.size(2), options), residual),
                                 inverse_block_mean_of_bilinear(lr.size(3), options));
    return sr + upsample_x3(c);
}

}  // namespace lssr::sr
