// LSSR's pixel losses against values worked out by hand (constant images,
// whose 2-D FFT is a single DC term, and tiny images small enough to
// transform on paper), plus the gradient that training relies on.
#include <catch2/catch.hpp>
#include <torch/torch.h>

#include <cmath>
#include <limits>

#include "libsr/train/losses.hpp"

using namespace lssr::sr;
namespace F = torch::nn::functional;

namespace {

torch::Tensor constant(double value, int64_t h = 4, int64_t w = 4, int64_t b = 1) {
    return torch::full({b, 3, h, w}, value);
}

double value(const torch::Tensor& t) { return t.item<double>(); }

}  // namespace

TEST_CASE("l2_loss is the mean squared error over every pixel and channel", "[losses]") {
    const auto pred = torch::tensor({0.0f, 1.0f, -1.0f, 0.5f}).reshape({1, 1, 2, 2});
    const auto target = torch::zeros({1, 1, 2, 2});
    CHECK(value(l2_loss(pred, target)) == Approx((0.0 + 1.0 + 1.0 + 0.25) / 4));
    CHECK(value(l2_loss(constant(0.5), constant(-0.5))) == Approx(1.0));
    CHECK(value(l2_loss(constant(0.3), constant(0.3))) == 0.0);
    CHECK_THROWS(l2_loss(constant(0.0, 4, 4), constant(0.0, 4, 2)));
}

TEST_CASE("fft_loss of constant images compares only the DC terms", "[losses]") {
    // x = 0 is 0.5 on [0,1]: its 4x4 fft2 is 0.5*16 = 8 at [0,0], zero elsewhere;
    // x = -1 is 0 everywhere. Only one of the 16 frequencies differs.
    const double hw = 16.0;
    CHECK(value(fft_loss(constant(0.0), constant(-1.0))) == Approx(std::log1p(8.0) / hw));
    // 1.0 -> 1.0 on [0,1] (DC 16) against 0.0 -> 0.5 (DC 8), batch of two.
    CHECK(value(fft_loss(constant(1.0, 4, 4, 2), constant(0.0, 4, 4, 2))) ==
          Approx((std::log1p(16.0) - std::log1p(8.0)) / hw));
    // Non-square 2x6: DC = 0.75*12 = 9 against 0.25*12 = 3.
    CHECK(value(fft_loss(constant(0.5, 2, 6), constant(-0.5, 2, 6))) ==
          Approx((std::log1p(9.0) - std::log1p(3.0)) / 12.0));
    CHECK(value(fft_loss(constant(0.2), constant(0.2))) == 0.0);
}

TEST_CASE("fft_loss uses the unnormalised amplitude of every frequency", "[losses]") {
    // A 1x2 image [1, 0] on [0,1] (x = [1, -1]) has fft2 [1+0, 1-0] = [1, 1]:
    // against all zeros (x = -1) each frequency contributes log1p(1) = log 2.
    const auto pred = torch::tensor({1.0f, -1.0f}).reshape({1, 1, 1, 2});
    const auto target = torch::full({1, 1, 1, 2}, -1.0);
    CHECK(value(fft_loss(pred, target)) == Approx(std::log(2.0)));
    // 2x2 checkerboard [[1,0],[0,1]] on [0,1]: fft2 = [[2,0],[0,2]] -> two
    // frequencies of log1p(2) over four.
    const auto checker = torch::tensor({1.0f, -1.0f, -1.0f, 1.0f}).reshape({1, 1, 2, 2});
    CHECK(value(fft_loss(checker, torch::full({1, 1, 2, 2}, -1.0))) == Approx(2.0 * std::log1p(2.0) / 4.0));
    // Shifting the image changes phases only, so the amplitude loss is zero.
    const auto shifted = torch::tensor({-1.0f, 1.0f, 1.0f, -1.0f}).reshape({1, 1, 2, 2});
    CHECK(value(fft_loss(checker, shifted)) == Approx(0.0).margin(1e-7));
}

TEST_CASE("ndvi_loss takes red from RGB channel 0 and NIR from IR channel 0", "[losses]") {
    // Prediction: red -0.5 -> 0.25, nir 0.5 -> 0.75: NDVI 0.5/(1+1e-6).
    // Target: red 0 -> 0.5, nir 0 -> 0.5: NDVI 0.
    auto pred_rgb = constant(0.9);  // green and blue must be ignored
    pred_rgb.select(1, 0).fill_(-0.5);
    auto pred_ir = constant(-0.9);  // swir1 and swir2 must be ignored
    pred_ir.select(1, 0).fill_(0.5);
    const auto target_rgb = constant(0.0);
    const auto target_ir = constant(0.0);
    const double ndvi = 0.5 / (1.0 + 1e-6);
    CHECK(value(ndvi_loss(pred_rgb, pred_ir, target_rgb, target_ir)) == Approx(ndvi));
    CHECK(value(ndvi_loss(pred_rgb, pred_ir, target_rgb, target_ir, NdviLossKind::L1)) == Approx(ndvi));
    CHECK(value(ndvi_loss(pred_rgb, pred_ir, target_rgb, target_ir, NdviLossKind::MSE)) == Approx(ndvi * ndvi));
    // Half the pixels right: L1 halves, MSE halves too.
    auto half_rgb = pred_rgb.clone();
    auto half_ir = pred_ir.clone();
    half_rgb.select(1, 0).slice(1, 0, 2).fill_(0.0);
    half_ir.select(1, 0).slice(1, 0, 2).fill_(0.0);
    CHECK(value(ndvi_loss(half_rgb, half_ir, target_rgb, target_ir)) == Approx(ndvi / 2));
    CHECK(value(ndvi_loss(half_rgb, half_ir, target_rgb, target_ir, NdviLossKind::MSE)) == Approx(ndvi * ndvi / 2));
}

TEST_CASE("ndvi_loss stays finite on black pixels (the 1e-6 guard)", "[losses]") {
    // red = nir = 0 on [0,1]: NDVI 0/1e-6 = 0, not NaN.
    const auto black = constant(-1.0);
    const auto loss = ndvi_loss(black, black, constant(0.0), constant(0.0));
    CHECK(std::isfinite(value(loss)));
    CHECK(value(loss) == 0.0);
}

TEST_CASE("consistency_loss is the mean |3x3 block mean - LR| in reflectance", "[losses]") {
    // LR 2x2; each SR block has the LR value plus an offset, with texture that
    // averages out inside the block.
    const auto lr = torch::tensor({0.1f, 0.2f, 0.3f, 0.4f}).view({1, 1, 2, 2});
    const auto offset = torch::tensor({0.01f, -0.02f, 0.03f, 0.0f}).view({1, 1, 2, 2});
    auto sr = F::interpolate(lr + offset, F::InterpolateFuncOptions().scale_factor(std::vector<double>{3, 3}).mode(torch::kNearest));
    const auto texture = torch::tensor({0.05f, -0.05f, 0.0f, 0.0f, 0.0f, 0.0f, 0.02f, 0.0f, -0.02f}).view({1, 1, 3, 3});
    sr = sr + texture.repeat({1, 1, 2, 2});
    CHECK(value(consistency_loss(sr, lr)) == Approx((0.01 + 0.02 + 0.03 + 0.0) / 4).margin(1e-7));
    // Bands are averaged like pixels: a second band with zero error halves it.
    CHECK(value(consistency_loss(torch::cat({sr, sr.new_zeros(sr.sizes())}, 1), torch::cat({lr, lr.new_zeros(lr.sizes())}, 1))) ==
          Approx(0.0075).margin(1e-7));
}

TEST_CASE("consistency_loss skips nodata (non-finite) LR pixels and rejects a wrong scale", "[losses]") {
    auto lr = torch::full({1, 1, 2, 2}, 0.2f);
    lr[0][0][1][1] = std::numeric_limits<float>::quiet_NaN();
    auto sr = torch::full({1, 1, 6, 6}, 0.3f);
    sr[0][0].slice(0, 3, 6).slice(1, 3, 6).fill_(5.0f);  // under the nodata pixel: ignored
    sr.requires_grad_(true);
    const auto loss = consistency_loss(sr, lr);
    CHECK(value(loss) == Approx(0.1).margin(1e-6));
    loss.backward();
    CHECK(torch::isfinite(sr.grad()).all().item<bool>());
    CHECK(sr.grad()[0][0][5][5].item<float>() == 0.0f);
    // Nothing valid: zero, not NaN.
    const auto none = torch::full({1, 1, 2, 2}, std::numeric_limits<float>::quiet_NaN());
    CHECK(value(consistency_loss(sr.detach(), none)) == 0.0);
    CHECK_THROWS(consistency_loss(torch::zeros({1, 1, 4, 4}), lr));
}

TEST_CASE("every pixel loss passes finite gradients back to the prediction", "[losses]") {
    torch::manual_seed(7);
    auto rgb = (torch::rand({2, 3, 8, 8}) * 2 - 1).requires_grad_(true);
    auto ir = (torch::rand({2, 3, 8, 8}) * 2 - 1).requires_grad_(true);
    const auto target_rgb = torch::rand({2, 3, 8, 8}) * 2 - 1;
    const auto target_ir = torch::rand({2, 3, 8, 8}) * 2 - 1;
    const LossWeights w;
    const auto total = w.l2 * (l2_loss(rgb, target_rgb) + l2_loss(ir, target_ir)) +
                       w.fft * (fft_loss(rgb, target_rgb) + fft_loss(ir, target_ir)) +
                       w.ndvi * ndvi_loss(rgb, ir, target_rgb, target_ir, w.ndvi_kind);
    total.backward();
    for (const auto& grad : {rgb.grad(), ir.grad()}) {
        REQUIRE(grad.defined());
        CHECK(torch::isfinite(grad).all().item<bool>());
        CHECK(grad.abs().sum().item<double>() > 0.0);
    }
    // The L2 gradient alone is the textbook 2*(pred-target)/N.
    auto p = rgb.detach().clone().requires_grad_(true);
    l2_loss(p, target_rgb).backward();
    CHECK(torch::allclose(p.grad(), 2 * (p.detach() - target_rgb) / p.numel(), 1e-5, 1e-7));
}

TEST_CASE("LossWeights default to the paper's 2/1/2/1/20 and L1 NDVI", "[losses]") {
    const LossWeights w;
    CHECK(w.l2 == 2.0);
    CHECK(w.lpips == 1.0);
    CHECK(w.csd == 2.0);
    CHECK(w.fft == 1.0);
    CHECK(w.ndvi == 20.0);
    CHECK(w.ndvi_kind == NdviLossKind::L1);
    CHECK(w.consistency == 0.0);  // ours, off unless asked for
}
