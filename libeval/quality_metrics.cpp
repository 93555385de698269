#include "libeval/quality_metrics.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace lssr::io {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

double clip01(double v) { return std::clamp(v, 0.0, 1.0); }

// The normalised 11x11 Gaussian window (sigma 1.5) as one separable 1-D kernel.
std::array<double, 11> gaussian_kernel() {
    std::array<double, 11> k{};
    double sum = 0;
    for (int i = 0; i < 11; ++i) sum += k[i] = std::exp(-((i - 5) * (i - 5)) / (2 * 1.5 * 1.5));
    for (double& v : k) v /= sum;
    return k;
}

double ndvi(double red, double nir) {
    const double sum = nir + red;
    return sum == 0 ? kNaN : (nir - red) / sum;
}

}  // namespace

double psnr(const RasterBlock& pred, const RasterBlock& ref, const std::array<int, 3>& bands) {
    double sum = 0;
    long long n = 0;
    for (int b : bands) {
        const float* p = pred.band(b);
        const float* r = ref.band(b);
        for (size_t i = 0; i < pred.plane(); ++i) {
            if (!std::isfinite(p[i]) || !std::isfinite(r[i])) continue;
            const double d = clip01(p[i]) - clip01(r[i]);
            sum += d * d;
            ++n;
        }
    }
    if (n == 0) return kNaN;
    const double mse = sum / n;
    return mse == 0 ? std::numeric_limits<double>::infinity() : 10.0 * std::log10(1.0 / mse);
}

double ssim_band(const RasterBlock& pred, const RasterBlock& ref, int band) {
    static const std::array<double, 11> w = gaussian_kernel();
    constexpr double c1 = 0.01 * 0.01, c2 = 0.03 * 0.03;  // (K * data range)^2
    const int width = pred.width, height = pred.height;
    if (width < 11 || height < 11) return kNaN;
    // Five weighted moments per window, rows first then columns (separable).
    const int out_w = width - 10;
    std::vector<std::array<double, 5>> rows(static_cast<size_t>(height) * out_w);
    for (int r = 0; r < height; ++r)
        for (int c = 0; c < out_w; ++c) {
            std::array<double, 5> m{};
            for (int k = 0; k < 11; ++k) {
                const double x = clip01(pred.at(band, r, c + k)), y = clip01(ref.at(band, r, c + k));
                const bool missing = !std::isfinite(pred.at(band, r, c + k)) || !std::isfinite(ref.at(band, r, c + k));
                const double wk = missing ? kNaN : w[k];
                m[0] += wk * x; m[1] += wk * y; m[2] += wk * x * x; m[3] += wk * y * y; m[4] += wk * x * y;
            }
            rows[static_cast<size_t>(r) * out_w + c] = m;
        }
    double total = 0;
    long long n = 0;
    for (int r = 0; r + 10 < height; ++r)
        for (int c = 0; c < out_w; ++c) {
            std::array<double, 5> m{};
            for (int k = 0; k < 11; ++k)
                for (int j = 0; j < 5; ++j) m[j] += w[k] * rows[static_cast<size_t>(r + k) * out_w + c][j];
            if (std::isnan(m[0])) continue;  // window touches a missing pixel
            const double ux = m[0], uy = m[1];
            const double vx = m[2] - ux * ux, vy = m[3] - uy * uy, vxy = m[4] - ux * uy;
            total += ((2 * ux * uy + c1) * (2 * vxy + c2)) / ((ux * ux + uy * uy + c1) * (vx + vy + c2));
            ++n;
        }
    return n == 0 ? kNaN : total / n;
}

double ssim(const RasterBlock& pred, const RasterBlock& ref, const std::array<int, 3>& bands) {
    double sum = 0;
    for (int b : bands) sum += ssim_band(pred, ref, b);
    return sum / bands.size();
}

double sam_degrees(const RasterBlock& pred, const RasterBlock& ref) {
    double total = 0;
    long long n = 0;
    for (size_t i = 0; i < pred.plane(); ++i) {
        double dot = 0, pp = 0, rr = 0;
        for (int b = 0; b < pred.bands; ++b) {
            const double p = pred.band(b)[i], r = ref.band(b)[i];
            dot += p * r; pp += p * p; rr += r * r;
        }
        if (!std::isfinite(dot) || pp == 0 || rr == 0) continue;
        const double cosine = std::clamp(dot / std::sqrt(pp * rr), -1.0, 1.0);
        total += std::acos(cosine) * 180.0 / M_PI;
        ++n;
    }
    return n == 0 ? kNaN : total / n;
}

double ndvi_mse(const RasterBlock& pred, const RasterBlock& ref) {
    double total = 0;
    long long n = 0;
    for (size_t i = 0; i < pred.plane(); ++i) {
        const double d = ndvi(pred.band(kRedBand)[i], pred.band(kNirBand)[i]) -
                         ndvi(ref.band(kRedBand)[i], ref.band(kNirBand)[i]);
        if (!std::isfinite(d)) continue;
        total += d * d;
        ++n;
    }
    return n == 0 ? kNaN : total / n;
}

double consistency_mae(const RasterBlock& sr, const RasterBlock& lr) {
    if (sr.width != 3 * lr.width || sr.height != 3 * lr.height || sr.bands != lr.bands)
        throw std::invalid_argument("consistency_mae: the SR block must be 3x the LR block");
    double total = 0;
    long long n = 0;
    for (int b = 0; b < lr.bands; ++b)
        for (int r = 0; r < lr.height; ++r)
            for (int c = 0; c < lr.width; ++c) {
                double mean = 0;
                for (int dr = 0; dr < 3; ++dr)
                    for (int dc = 0; dc < 3; ++dc) mean += sr.at(b, 3 * r + dr, 3 * c + dc);
                const double d = std::abs(mean / 9.0 - lr.at(b, r, c));
                if (!std::isfinite(d)) continue;
                total += d;
                ++n;
            }
    return n == 0 ? kNaN : total / n;
}

}  // namespace lssr::io
