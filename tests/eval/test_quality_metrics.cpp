// The metrics of lssr-eval against answers known by hand or computed here from
// the textbook definitions with plain loops (an implementation independent of
// libio's separable one).
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

#include "libeval/quality_metrics.hpp"

using namespace lssr::io;
using Catch::Detail::Approx;

namespace {

template <typename Fn>
RasterBlock make_block(int bands, int width, int height, Fn fn) {
    RasterBlock block(bands, width, height);
    for (int b = 0; b < bands; ++b)
        for (int r = 0; r < height; ++r)
            for (int c = 0; c < width; ++c) block.at(b, r, c) = static_cast<float>(fn(b, r, c));
    return block;
}

// Smooth but uneven reflectance-like texture in [0.05, 0.6].
double texture(int b, int r, int c) { return 0.3 + 0.2 * std::sin(0.7 * r + 0.3 * b) * std::cos(0.45 * c) + 0.01 * b; }

// SSIM of one band straight from the definition: for every 11x11 window inside
// the image, Gaussian-weighted (sigma 1.5, weights summing to 1) means,
// population variances and covariance, then the SSIM formula; mean of windows.
double reference_ssim(const RasterBlock& x, const RasterBlock& y, int band) {
    double weight[11][11], total = 0;
    for (int i = 0; i < 11; ++i)
        for (int j = 0; j < 11; ++j)
            total += weight[i][j] = std::exp(-((i - 5.0) * (i - 5.0) + (j - 5.0) * (j - 5.0)) / (2 * 1.5 * 1.5));
    const double c1 = std::pow(0.01 * 1.0, 2), c2 = std::pow(0.03 * 1.0, 2);
    double sum = 0;
    int windows = 0;
    for (int r0 = 0; r0 + 11 <= x.height; ++r0)
        for (int c0 = 0; c0 + 11 <= x.width; ++c0) {
            double mx = 0, my = 0;
            for (int i = 0; i < 11; ++i)
                for (int j = 0; j < 11; ++j) {
                    mx += weight[i][j] / total * x.at(band, r0 + i, c0 + j);
                    my += weight[i][j] / total * y.at(band, r0 + i, c0 + j);
                }
            double vx = 0, vy = 0, cxy = 0;
            for (int i = 0; i < 11; ++i)
                for (int j = 0; j < 11; ++j) {
                    const double dx = x.at(band, r0 + i, c0 + j) - mx, dy = y.at(band, r0 + i, c0 + j) - my;
                    vx += weight[i][j] / total * dx * dx;
                    vy += weight[i][j] / total * dy * dy;
                    cxy += weight[i][j] / total * dx * dy;
                }
            sum += (2 * mx * my + c1) * (2 * cxy + c2) / ((mx * mx + my * my + c1) * (vx + vy + c2));
            ++windows;
        }
    return sum / windows;
}

}  // namespace

TEST_CASE("PSNR: identical images are infinite, a constant offset d gives -20 log10(d)", "[metrics]") {
    const RasterBlock ref = make_block(6, 8, 7, texture);
    CHECK(std::isinf(psnr(ref, ref, kRgbBands)));
    const double d = 0.05;
    const RasterBlock pred = make_block(6, 8, 7, [&](int b, int r, int c) { return texture(b, r, c) + d; });
    CHECK(psnr(pred, ref, kRgbBands) == Approx(-20 * std::log10(d)).margin(1e-4));
    CHECK(psnr(pred, ref, kInfraredBands) == Approx(-20 * std::log10(d)).margin(1e-4));
}

TEST_CASE("PSNR clips to [0,1] and skips missing pixels", "[metrics]") {
    // Reference 1.0 everywhere; prediction 1.5 (clipped to 1, no error) or 0.9.
    const RasterBlock ref = make_block(6, 4, 4, [](int, int, int) { return 1.0; });
    RasterBlock pred = make_block(6, 4, 4, [](int, int r, int) { return r < 2 ? 1.5 : 0.9; });
    // half the pixels err by 0.1: MSE 0.005
    CHECK(psnr(pred, ref, kRgbBands) == Approx(10 * std::log10(1 / 0.005)).margin(1e-4));
    // Missing error-free pixels leave only the 0.1 errors: MSE 0.01 -> 20 dB.
    for (int b : kRgbBands)
        for (int r = 0; r < 2; ++r)
            for (int c = 0; c < 4; ++c) pred.at(b, r, c) = std::numeric_limits<float>::quiet_NaN();
    CHECK(psnr(pred, ref, kRgbBands) == Approx(20.0).margin(1e-4));
}

TEST_CASE("SSIM: 1 for identical images, the formula's value for constants", "[metrics]") {
    const RasterBlock ref = make_block(6, 16, 14, texture);
    CHECK(ssim(ref, ref, kRgbBands) == Approx(1.0).margin(1e-9));
    // Constant images have zero variance: SSIM = (2ab + C1) / (a^2 + b^2 + C1).
    const double a = 0.2, b = 0.3, c1 = 1e-4;
    const RasterBlock x = make_block(6, 12, 12, [&](int, int, int) { return a; });
    const RasterBlock y = make_block(6, 12, 12, [&](int, int, int) { return b; });
    CHECK(ssim(x, y, kInfraredBands) == Approx((2 * a * b + c1) / (a * a + b * b + c1)).margin(1e-6));
}

TEST_CASE("SSIM agrees with a direct implementation of its definition", "[metrics]") {
    const RasterBlock ref = make_block(6, 17, 15, texture);
    const RasterBlock pred = make_block(6, 17, 15, [](int b, int r, int c) {
        return texture(b, r, c) * 0.9 + 0.03 * std::cos(1.3 * r * c + b);
    });
    for (int band = 0; band < 6; ++band)
        CHECK(ssim_band(pred, ref, band) == Approx(reference_ssim(pred, ref, band)).margin(1e-6));
    const double expected =
        (reference_ssim(pred, ref, 2) + reference_ssim(pred, ref, 1) + reference_ssim(pred, ref, 0)) / 3;
    CHECK(ssim(pred, ref, kRgbBands) == Approx(expected).margin(1e-6));
    CHECK(ssim(pred, ref, kRgbBands) < 0.99);
    // No 11x11 window fits: undefined.
    const RasterBlock small = make_block(6, 10, 20, texture);
    CHECK(std::isnan(ssim_band(small, small, 0)));
}

TEST_CASE("SAM: 0 for a scaled spectrum, 90 degrees for orthogonal spectra", "[metrics]") {
    const RasterBlock ref = make_block(6, 5, 5, texture);
    const RasterBlock scaled = make_block(6, 5, 5, [](int b, int r, int c) { return 1.7 * texture(b, r, c); });
    CHECK(sam_degrees(scaled, ref) == Approx(0.0).margin(1e-3));
    const RasterBlock visible = make_block(6, 5, 5, [](int b, int, int) { return b < 3 ? 0.2 : 0.0; });
    const RasterBlock infrared = make_block(6, 5, 5, [](int b, int, int) { return b < 3 ? 0.0 : 0.4; });
    CHECK(sam_degrees(visible, infrared) == Approx(90.0).margin(1e-9));
}

TEST_CASE("NDVI MSE of known NDVIs", "[metrics]") {
    // pred NDVI (0.3-0.1)/(0.3+0.1) = 0.5, ref (0.5-0.1)/(0.5+0.1) = 2/3: MSE (1/6)^2.
    const RasterBlock pred = make_block(6, 3, 3, [](int b, int, int) { return b == kNirBand ? 0.3 : 0.1; });
    const RasterBlock ref = make_block(6, 3, 3, [](int b, int, int) { return b == kNirBand ? 0.5 : 0.1; });
    CHECK(ndvi_mse(pred, ref) == Approx(1.0 / 36).margin(1e-9));
    CHECK(ndvi_mse(ref, ref) == 0.0);
}

TEST_CASE("consistency: 0 for an exact 3x block replication, the offset otherwise", "[metrics]") {
    const RasterBlock lr = make_block(6, 4, 3, texture);
    const RasterBlock sr = make_block(6, 12, 9, [&](int b, int r, int c) { return lr.at(b, r / 3, c / 3); });
    CHECK(consistency_mae(sr, lr) == Approx(0.0).margin(1e-7));
    // Zero-mean detail inside each block keeps the block means: still consistent.
    const RasterBlock detailed = make_block(6, 12, 9, [&](int b, int r, int c) {
        return lr.at(b, r / 3, c / 3) + 0.01 * ((c % 3) - 1);
    });
    CHECK(consistency_mae(detailed, lr) == Approx(0.0).margin(1e-7));
    const RasterBlock brighter = make_block(6, 12, 9, [&](int b, int r, int c) { return lr.at(b, r / 3, c / 3) + 0.02; });
    CHECK(consistency_mae(brighter, lr) == Approx(0.02).margin(1e-6));
}
