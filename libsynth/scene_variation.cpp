#include "libsynth/scene_variation.hpp"

#include <cmath>

#include "libsynth/random.hpp"

namespace lssr::io::synth {

SceneRadiometry random_radiometry(std::uint64_t seed) {
    Rng rng(seed);
    SceneRadiometry r;
    for (double& g : r.gain) g = 1 + 0.02 * rng.normal();
    r.offset = rng.uniform(-0.004, 0.004);
    r.illumination = rng.uniform(0.85, 1.1);
    // Haze: a path reflectance of 0-0.03 in the blue, falling with wavelength
    // (coastal 443, blue 490, green 560, red 665, nir 842/865, swir 1610/2190 nm).
    static constexpr Spectrum kWavelength{443, 490, 560, 665, 842, 865, 1610, 2190};
    const double blue_haze = 0.03 * std::pow(rng.uniform(), 1.5);
    const double angstrom = rng.uniform(1.0, 2.0);
    for (int k = 0; k < kBandCount; ++k) r.haze[k] = blue_haze * std::pow(490.0 / kWavelength[k], angstrom + 1);
    return r;
}

void apply_radiometry(RasterBlock& reflectance, const SceneRadiometry& r) {
    for (int b = 0; b < reflectance.bands && b < kBandCount; ++b) {
        float* v = reflectance.band(b);
        const double g = r.illumination * r.gain[b], add = r.haze[b] + r.offset;
        for (size_t i = 0; i < reflectance.plane(); ++i) v[i] = static_cast<float>(g * v[i] + add);
    }
}

void vary_optics(SensorModel& sensor, const OpticsRange& range, std::uint64_t seed) {
    Rng rng(seed);
    sensor.psf_sigma = rng.uniform(range.sigma_min, range.sigma_max);
    sensor.shift_east_m += rng.uniform(-range.extra_shift_m, range.extra_shift_m);
    sensor.shift_north_m += rng.uniform(-range.extra_shift_m, range.extra_shift_m);
}

}  // namespace lssr::io::synth
