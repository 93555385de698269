#include "libsynth/random.hpp"

#include <cmath>

namespace lssr::io::synth {
namespace {

// SplitMix64 finaliser: a cheap, well-mixed 64-bit hash.
std::uint64_t mix(std::uint64_t z) {
    z += 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

double smoothstep(double t) { return t * t * (3.0 - 2.0 * t); }

}  // namespace

std::uint64_t derive_seed(std::uint64_t seed, std::string_view stream, std::uint64_t index) {
    std::uint64_t h = mix(seed);
    for (unsigned char c : stream) h = mix(h ^ c);
    return mix(h ^ mix(index));
}

double Rng::normal() {
    if (has_spare_) {
        has_spare_ = false;
        return spare_;
    }
    double u1 = uniform();
    while (u1 <= 0.0) u1 = uniform();
    const double u2 = uniform();
    const double r = std::sqrt(-2.0 * std::log(u1));
    const double a = 2.0 * M_PI * u2;
    spare_ = r * std::sin(a);
    has_spare_ = true;
    return r * std::cos(a);
}

double Rng::speckle(int looks) {
    double sum = 0.0;
    for (int i = 0; i < looks; ++i) {
        double u = uniform();
        while (u <= 0.0) u = uniform();
        sum -= std::log(u);
    }
    return sum / looks;
}

double hash_unit(std::int64_t x, std::int64_t y, std::uint64_t salt) {
    const std::uint64_t h = mix(mix(static_cast<std::uint64_t>(x) ^ salt) ^ static_cast<std::uint64_t>(y));
    return static_cast<double>(h >> 11) * 0x1.0p-53;
}

double value_noise(double x, double y, std::uint64_t salt) {
    const double fx = std::floor(x), fy = std::floor(y);
    const auto ix = static_cast<std::int64_t>(fx), iy = static_cast<std::int64_t>(fy);
    const double tx = smoothstep(x - fx), ty = smoothstep(y - fy);
    const double v00 = hash_unit(ix, iy, salt), v10 = hash_unit(ix + 1, iy, salt);
    const double v01 = hash_unit(ix, iy + 1, salt), v11 = hash_unit(ix + 1, iy + 1, salt);
    const double top = v00 + (v10 - v00) * tx, bottom = v01 + (v11 - v01) * tx;
    return 2.0 * (top + (bottom - top) * ty) - 1.0;
}

double fbm(double x, double y, double scale, int octaves, std::uint64_t salt) {
    double sum = 0.0, amplitude = 1.0, norm = 0.0, s = scale;
    for (int o = 0; o < octaves; ++o) {
        sum += amplitude * value_noise(x / s, y / s, salt + 0x1000u * o);
        norm += amplitude;
        amplitude *= 0.5;
        s *= 0.5;
    }
    return sum / norm;
}

}  // namespace lssr::io::synth
