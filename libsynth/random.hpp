#pragma once
// Deterministic randomness for the synthetic study area. Only mt19937_64 (whose
// output the C++ standard fixes) and our own distributions are used, so a seed
// gives the same scene with every standard library.
#include <cstdint>
#include <random>
#include <string_view>

namespace lssr::io::synth {

// A seed for one named stream ("fields", "landsat-noise" ...) of a master seed,
// so that adding a stream never changes the others.
std::uint64_t derive_seed(std::uint64_t seed, std::string_view stream, std::uint64_t index = 0);

class Rng {
public:
    explicit Rng(std::uint64_t seed) : engine_(seed) {}
    // Uniform in [0, 1) with 53 random bits.
    double uniform() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }
    double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
    // Uniform integer in [0, n).
    int below(int n) { return static_cast<int>(uniform() * n); }
    // Standard normal by Box-Muller (std::normal_distribution is implementation-defined).
    double normal();
    // Gamma(shape L, mean 1) for integer L: the mean of L unit exponentials
    // (multi-look speckle intensity).
    double speckle(int looks);

private:
    std::mt19937_64 engine_;
    double spare_ = 0.0;
    bool has_spare_ = false;
};

// Stateless lattice noise in [0, 1): the same (x, y, salt) always gives the same value.
double hash_unit(std::int64_t x, std::int64_t y, std::uint64_t salt);

// Smooth value noise in [-1, 1] at coordinates measured in lattice cells.
double value_noise(double x, double y, std::uint64_t salt);

// Fractal sum of `octaves` value-noise layers (each half the scale, half the
// amplitude), roughly in [-1, 1]; `scale` is the size of the largest features.
double fbm(double x, double y, double scale, int octaves, std::uint64_t salt);

}  // namespace lssr::io::synth
