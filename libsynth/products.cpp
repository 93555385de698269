#include "libsynth/products.hpp"

#include <algorithm>
#include <cmath>

#include "libio/products/fmask.hpp"
#include "libsynth/random.hpp"

namespace lssr::io::synth {

double s2_dn(double rho) { return std::clamp(std::round(rho * 10000) + 1000, 1.0, 65535.0); }

double landsat_dn(double rho) { return std::clamp(std::round((rho + 0.2) / 2.75e-5), 1.0, 65535.0); }

double hls_dn(double rho) { return std::clamp(std::round(rho * 10000), -9998.0, 32767.0); }

std::vector<float> water_share(const Landscape& ls, const CoarseGrid& g) {
    std::vector<float> share(static_cast<size_t>(g.width) * g.height, 0.0f);
    for (int m = 0; m < g.height; ++m)
        for (int k = 0; k < g.width; ++k) {
            // the 3x3 canvas pixels nearest to the 30 m pixel's footprint
            const int r0 = static_cast<int>(std::floor(ls.margin + g.offset_px + 3 * m + 0.5));
            const int c0 = static_cast<int>(std::floor(ls.margin + g.offset_px + 3 * k + 0.5));
            int water = 0;
            for (int r = r0; r < r0 + 3; ++r)
                for (int c = c0; c < c0 + 3; ++c) water += is_water(ls.cover[ls.index(r, c)]);
            share[static_cast<size_t>(m) * g.width + k] = water / 9.0f;
        }
    return share;
}

RasterBlock hls_fmask(const Clouds& clouds, const std::vector<float>& water) {
    constexpr std::uint8_t kAerosolLow = 1u << 6;
    const std::vector<bool> adjacent = clouds.adjacent(2);
    RasterBlock out(1, clouds.width, clouds.height);
    for (size_t i = 0; i < out.plane(); ++i) {
        std::uint8_t v = kAerosolLow;
        if (clouds.cloud(i)) v |= fmask::kCloud;
        else if (clouds.in_shadow(i)) v |= fmask::kShadow;
        else if (adjacent[i]) v |= fmask::kAdjacent;
        if (!clouds.cloud(i) && water[i] >= 0.5f) v |= fmask::kWater;
        out.data[i] = v;
    }
    return out;
}

RasterBlock landsat_qa(const Clouds& clouds, const std::vector<float>& water) {
    using namespace qa_pixel;
    const std::vector<bool> adjacent = clouds.adjacent(2);
    RasterBlock out(1, clouds.width, clouds.height);
    for (size_t i = 0; i < out.plane(); ++i) {
        const std::uint16_t wet = water[i] >= 0.5f ? kWaterBit : 0;
        std::uint16_t v = wet ? kWater : kClear;
        if (clouds.cloud(i)) v = kCloud;
        else if (clouds.in_shadow(i)) v = kShadow | wet;
        else if (adjacent[i]) v = kDilated | wet;
        out.data[i] = v;
    }
    return out;
}

double cloud_percent(const Clouds& clouds) {
    size_t n = 0;
    for (size_t i = 0; i < clouds.opacity.size(); ++i) n += clouds.cloud(i);
    return 100.0 * n / std::max<size_t>(1, clouds.opacity.size());
}

namespace {

SensorModel sensor(const std::array<double, kBandCount>& gain, double noise, double max_shift_m,
                   std::uint64_t shift_seed) {
    SensorModel s;
    s.gain = gain;
    s.noise = noise;
    Rng rng(shift_seed);
    s.shift_east_m = rng.uniform(-max_shift_m, max_shift_m);
    s.shift_north_m = rng.uniform(-max_shift_m, max_shift_m);
    return s;
}

}  // namespace

// Gains per Band (coastal, blue, green, red, nir B08, nir narrow, swir1, swir2).
SensorModel landsat_sensor(std::uint64_t seed, int index) {
    return sensor({1.020, 1.020, 1.010, 0.985, 1.000, 1.015, 0.980, 1.025}, 0.004, 6,
                  derive_seed(seed, "landsat-shift", index));
}

SensorModel l30_sensor(std::uint64_t seed, int index) {
    // HLS harmonises OLI towards MSI: smaller residual gains.
    return sensor({1.010, 1.008, 1.004, 0.994, 1.000, 1.006, 0.992, 1.010}, 0.003, 6,
                  derive_seed(seed, "l30-shift", index));
}

SensorModel s30_sensor(std::uint64_t seed, int index) {
    return sensor({0.996, 0.997, 1.002, 1.004, 1.000, 0.998, 1.003, 0.996}, 0.002, 4,
                  derive_seed(seed, "s30-shift", index));
}

}  // namespace lssr::io::synth
