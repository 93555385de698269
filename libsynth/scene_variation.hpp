#pragma once
// Per-scene variation of the non-Iowa landscapes, so that a model trained on
// them has seen the spread of real acquisitions: radiometry (gain, offset,
// haze, illumination) and sensor optics (PSF width, sub-pixel registration).
// Iowa keeps its fixed scenes (data/sample must regenerate identically).
#include <cstdint>

#include "libio/gdal/raster.hpp"
#include "libsynth/sensors.hpp"
#include "libsynth/spectra.hpp"

namespace lssr::io::synth {

// Surface reflectance as a real L2A/L2 product delivers it: residual calibration
// gain per band, a small offset, additive haze (path radiance left by the
// atmospheric correction, strongest in the blue) and an illumination factor
// (sun elevation, BRDF).
struct SceneRadiometry {
    Spectrum gain{1, 1, 1, 1, 1, 1, 1, 1};
    Spectrum haze{};        // added reflectance per band
    double offset = 0;      // added to every band
    double illumination = 1;
};

// Draws a scene's radiometry: gains 1 +- ~2 %, offsets +-0.004, haze of
// aerosol optical depth ~0-0.25 with an Angstrom-like fall-off (blue ~2.5x red),
// illumination 0.85-1.1.
SceneRadiometry random_radiometry(std::uint64_t seed);

// rho' = illumination * gain * rho + haze + offset, in place.
void apply_radiometry(RasterBlock& reflectance, const SceneRadiometry& radiometry);

// Optics of the instruments a product stands for, as Gaussian PSF widths in
// 10 m pixels (on top of the 30 m detector box): OLI's edge response and MTF at
// Nyquist (~0.3) give ~1.1-1.4, TM/ETM+ (MTF ~0.2) ~1.5-1.9; Sentinel-2 MSI
// aggregated to 30 m (HLS S30) ~0.9-1.6.
struct OpticsRange {
    double sigma_min = 1.5, sigma_max = 1.5;
    double extra_shift_m = 0;  // added registration error, uniform in +-extra_shift_m per axis
};
inline constexpr OpticsRange kLandsatOptics{1.1, 1.9, 12};
inline constexpr OpticsRange kS30Optics{0.9, 1.6, 9};

// Draws the scene's PSF width and adds a sub-pixel shift.
void vary_optics(SensorModel& sensor, const OpticsRange& range, std::uint64_t seed);

}  // namespace lssr::io::synth
