#include "libupscale/consistency.hpp"

#include <algorithm>
#include <cmath>
#include <exception>
#include <thread>
#include <vector>

#include "libio/core/errors.hpp"
#include "libio/core/scale.hpp"

namespace lssr::sr {
namespace {

// Conjugate gradient stops when every block mean is this close to its input
// (reflectance; 1e-5 DN at the HLS scale 1e-4), or after kMaxIterations
// (the operator's condition number is at most 81/25, so ~15 are enough).
constexpr double kTolerance = 1e-9;
constexpr int kMaxIterations = 100;

// Output pixel j of a x3 bilinear upsampling (align_corners false, clamped)
// reads input pixels lo and hi with weights w_lo and 1 - w_lo.
struct Tap {
    int lo, hi;
    double w_lo;
};

Tap tap(int j, int n) {
    const int i = j / kScaleFactor;
    switch (j % kScaleFactor) {
        case 0: return {std::max(i - 1, 0), i, 1.0 / 3};
        case 1: return {i, i, 1.0};
        default: return {i, std::min(i + 1, n - 1), 2.0 / 3};
    }
}

// hr (3h x 3w) += U(c) with c an h x w grid.
void add_upsampled(const std::vector<double>& c, int h, int w, float* hr) {
    std::vector<Tap> cols(static_cast<size_t>(w) * kScaleFactor);
    for (int j = 0; j < w * kScaleFactor; ++j) cols[j] = tap(j, w);
    std::vector<double> row(w);
    const size_t hr_w = static_cast<size_t>(w) * kScaleFactor;
    for (int r = 0; r < h * kScaleFactor; ++r) {
        const Tap t = tap(r, h);
        const double* a = &c[static_cast<size_t>(t.lo) * w];
        const double* b = &c[static_cast<size_t>(t.hi) * w];
        for (int i = 0; i < w; ++i) row[i] = t.w_lo * a[i] + (1 - t.w_lo) * b[i];
        float* out = hr + r * hr_w;
        for (size_t j = 0; j < hr_w; ++j)
            out[j] = static_cast<float>(out[j] + cols[j].w_lo * row[cols[j].lo] + (1 - cols[j].w_lo) * row[cols[j].hi]);
    }
}

// out = P (M (x) M) P v: the block means of U(v), kept on the valid pixels.
// M is [1/9, 7/9, 1/9] with the missing neighbour at an edge clamped to the
// pixel itself (8/9 on the diagonal), exactly what D U gives.
void apply_operator(const std::vector<double>& v, std::vector<double>& tmp, std::vector<double>& out, int h, int w,
                    const std::vector<char>& valid) {
    constexpr double side = 1.0 / 9, mid = 7.0 / 9;
    for (int r = 0; r < h; ++r) {
        const double* in = &v[static_cast<size_t>(r) * w];
        double* o = &tmp[static_cast<size_t>(r) * w];
        for (int c = 0; c < w; ++c) o[c] = mid * in[c] + side * (in[std::max(c - 1, 0)] + in[std::min(c + 1, w - 1)]);
    }
    for (int r = 0; r < h; ++r) {
        const double* up = &tmp[static_cast<size_t>(std::max(r - 1, 0)) * w];
        const double* here = &tmp[static_cast<size_t>(r) * w];
        const double* down = &tmp[static_cast<size_t>(std::min(r + 1, h - 1)) * w];
        double* o = &out[static_cast<size_t>(r) * w];
        const char* ok = &valid[static_cast<size_t>(r) * w];
        for (int c = 0; c < w; ++c) o[c] = ok[c] ? mid * here[c] + side * (up[c] + down[c]) : 0.0;
    }
}

double dot(const std::vector<double>& a, const std::vector<double>& b) {
    double s = 0;
    for (size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
    return s;
}

double max_abs(const std::vector<double>& a) {
    double m = 0;
    for (double v : a) m = std::max(m, std::abs(v));
    return m;
}

}  // namespace

Consistency parse_consistency(const std::string& text) {
    if (text == "exact") return Consistency::Exact;
    if (text == "none") return Consistency::None;
    throw OptionError("--consistency must be exact or none, not '" + text + "'");
}

std::string to_string(Consistency c) { return c == Consistency::Exact ? "exact" : "none"; }

io::RasterBlock upsample_bilinear_x3(const io::RasterBlock& lr) {
    io::RasterBlock hr(lr.bands, lr.width * kScaleFactor, lr.height * kScaleFactor, 0.0f);
    for (int b = 0; b < lr.bands; ++b) {
        const std::vector<double> c(lr.band(b), lr.band(b) + lr.plane());
        add_upsampled(c, lr.height, lr.width, hr.band(b));
    }
    return hr;
}

io::RasterBlock block_mean_x3(const io::RasterBlock& hr) {
    const int h = hr.height / kScaleFactor, w = hr.width / kScaleFactor;
    io::RasterBlock lr(hr.bands, w, h);
    for (int b = 0; b < hr.bands; ++b)
        for (int r = 0; r < h; ++r)
            for (int c = 0; c < w; ++c) {
                double s = 0;
                for (int i = 0; i < kScaleFactor; ++i)
                    for (int j = 0; j < kScaleFactor; ++j) s += hr.at(b, kScaleFactor * r + i, kScaleFactor * c + j);
                lr.at(b, r, c) = std::isfinite(s) ? static_cast<float>(s / (kScaleFactor * kScaleFactor)) : NAN;
            }
    return lr;
}

namespace {

// No output pixel may fall below this fraction of the darkest valid input pixel
// of the 3x3 input neighbourhood around it (0 where that is negative or
// missing). Zero alone is not enough: a near-black water pixel at a forest
// shore, undershot by the model and clamped to exactly 0 in one band, has an
// NDVI of +-1 where the ground reads 0.5. The floor gives up only 10 m
// features darker than 3/4 of every 30 m pixel around them (a pond, a shadow
// narrower than 30 m), which a 3x model does not recover anyway. Chosen on the
// training scenes of data/real-train (Wald's protocol, default model, with the
// former clamp rounds before the shrink): PSNR RGB 41.53 / 41.55 / 41.58 dB and
// NDVI MSE 0.0021 / 0.0020 / 0.0020 at 0.5 / 0.75 / 0.9.
// (A matching ceiling at 1.05 / 1.2 / 1.5x the brightest neighbour, measured the
// same way: -0.05 / +0.003 / +0.004 dB RGB; not worth its cost, so there is none.)
constexpr double kDarkFloorFraction = 0.75;

// The floor of each input pixel's block (see kDarkFloorFraction); h x w.
std::vector<float> block_floors(const io::RasterBlock& lr, int b) {
    std::vector<float> floor(lr.plane(), 0.0f);
    for (int i = 0; i < lr.height; ++i)
        for (int j = 0; j < lr.width; ++j) {
            float darkest = INFINITY;
            for (int di = -1; di <= 1; ++di)
                for (int dj = -1; dj <= 1; ++dj) {
                    const int r = std::clamp(i + di, 0, lr.height - 1), c = std::clamp(j + dj, 0, lr.width - 1);
                    const float x = lr.at(b, r, c);
                    if (std::isfinite(x)) darkest = std::min(darkest, x);
                }
            if (std::isfinite(darkest) && darkest > 0.0f)
                floor[static_cast<size_t>(i) * lr.width + j] = static_cast<float>(kDarkFloorFraction * darkest);
        }
    return floor;
}

// Blocks holding a pixel below their floor after the projection (rare: a
// model output far brighter than a dark input) are pulled towards their mean, m + t (y - m)
// with the largest t that lifts the lowest pixel to the floor: the mean stays
// exact, and it is at least the floor, since the input is.
void shrink_blocks_to_floor(io::RasterBlock& hr, const io::RasterBlock& lr, int b, const std::vector<float>& floors) {
    for (int i = 0; i < lr.height; ++i)
        for (int j = 0; j < lr.width; ++j) {
            const float x = lr.at(b, i, j);
            if (!(x >= 0.0f)) continue;  // negative or missing input: nothing to keep
            const double floor = floors[static_cast<size_t>(i) * lr.width + j];
            double sum = 0, lowest = floor;
            for (int di = 0; di < kScaleFactor; ++di)
                for (int dj = 0; dj < kScaleFactor; ++dj) {
                    const double v = hr.at(b, kScaleFactor * i + di, kScaleFactor * j + dj);
                    sum += v;
                    lowest = std::min(lowest, v);
                }
            if (!(lowest < floor) || !std::isfinite(sum)) continue;
            const double mean = sum / (kScaleFactor * kScaleFactor);
            const double t = mean > floor ? (mean - floor) / (mean - lowest) : 0.0;
            for (int di = 0; di < kScaleFactor; ++di)
                for (int dj = 0; dj < kScaleFactor; ++dj) {
                    float& v = hr.at(b, kScaleFactor * i + di, kScaleFactor * j + dj);
                    v = static_cast<float>(std::max(0.0, mean + t * (v - mean)));
                }
        }
}

// Projects band b of hr onto band b of lr (see project_consistent); bands share nothing.
ProjectionStats project_one_band(io::RasterBlock& hr, const io::RasterBlock& lr, int b) {
    ProjectionStats stats;
    const int h = lr.height, w = lr.width;
    const size_t n = lr.plane();
    if (n == 0) return stats;
    // One exact solve: hr += U(c) with (D U) c = lr - D(hr) on the valid pixels.
    // Right-hand side: input minus block mean, on the valid pixels.
    std::vector<double> c(n, 0.0), r(n), p, ap(n), tmp(n);
    std::vector<char> valid(n);
    for (int i = 0; i < h; ++i)
        for (int j = 0; j < w; ++j) {
            double s = 0;
            for (int di = 0; di < kScaleFactor; ++di)
                for (int dj = 0; dj < kScaleFactor; ++dj) s += hr.at(b, kScaleFactor * i + di, kScaleFactor * j + dj);
            const size_t k = static_cast<size_t>(i) * w + j;
            const double x = lr.at(b, i, j);
            valid[k] = std::isfinite(s) && std::isfinite(x);
            r[k] = valid[k] ? x - s / (kScaleFactor * kScaleFactor) : 0.0;
        }
    p = r;
    double rr = dot(r, r);
    int it = 0;
    for (; it < kMaxIterations && max_abs(r) > kTolerance; ++it) {
        apply_operator(p, tmp, ap, h, w, valid);
        const double alpha = rr / dot(p, ap);
        for (size_t k = 0; k < n; ++k) c[k] += alpha * p[k], r[k] -= alpha * ap[k];
        const double rr_next = dot(r, r);
        const double beta = rr_next / rr;
        rr = rr_next;
        for (size_t k = 0; k < n; ++k) p[k] = r[k] + beta * p[k];
    }
    stats.max_iterations = it;
    stats.max_residual = max_abs(r);
    add_upsampled(c, h, w, hr.band(b));
    // A dark input (water, shadow) under a too-bright model output can come out
    // of the projection below zero, which no reflectance is, or near it (and
    // NDVI of such pixels explodes): the few blocks with a pixel below the floor
    // shrink towards their exact mean. Rounds of clamping at the floor, each
    // followed by a whole-band projection, used to come first: 8 of them took
    // 8/9 of this function's time (37 s of a full HLS tile's 352), left about
    // as many pixels below the floor as they started with, and scored lower on
    // the real bench than the shrink alone (RGB -0.010 dB and NDVI MSE +0.00009
    // in the mean, on all 8 scenes; IR +0.003 dB, all of it Madre de Dios's 0.055).
    shrink_blocks_to_floor(hr, lr, b, block_floors(lr, b));
    return stats;
}

}  // namespace

ProjectionStats project_consistent(io::RasterBlock& hr, const io::RasterBlock& lr, int threads) {
    if (hr.bands != lr.bands || hr.width != lr.width * kScaleFactor || hr.height != lr.height * kScaleFactor)
        throw Error("consistency projection: the output is not 3x the input");
    std::vector<ProjectionStats> per_band(static_cast<size_t>(std::max(lr.bands, 0)));
    const int workers = std::clamp(threads, 1, std::max(lr.bands, 1));
    // An exception (out of memory) leaves its thread and is rethrown here, as
    // it would be from one thread, rather than ending the process.
    std::vector<std::exception_ptr> errors(static_cast<size_t>(workers));
    auto run = [&](int first) {
        try {
            for (int b = first; b < lr.bands; b += workers) per_band[b] = project_one_band(hr, lr, b);
        } catch (...) {
            errors[first] = std::current_exception();
        }
    };
    {
        std::vector<std::thread> pool;
        for (int t = 1; t < workers; ++t) pool.emplace_back(run, t);
        run(0);
        for (auto& t : pool) t.join();
    }
    for (const auto& e : errors)
        if (e) std::rethrow_exception(e);
    ProjectionStats stats;
    for (const auto& s : per_band) {
        stats.max_iterations = std::max(stats.max_iterations, s.max_iterations);
        stats.max_residual = std::max(stats.max_residual, s.max_residual);
    }
    return stats;
}

}  // namespace lssr::sr
