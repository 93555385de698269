#pragma once
// From the landscape to what sensors record: the 10 m reflectance truth, the
// 30 m scenes made from it (point-spread function, decimation, gains, noise,
// sub-pixel shift), clouds with their shadows, and C-band radar backscatter.
#include <array>
#include <cstdint>
#include <vector>

#include "libio/gdal/raster.hpp"
#include "libsynth/landscape.hpp"
#include "libsynth/spectra.hpp"

namespace lssr::io::synth {

// Reflectance of every canvas pixel on a day: kBandCount bands in Band order.
RasterBlock render_reflectance(const Landscape& landscape, double day_of_year);

// One 30 m optical sensor.
struct SensorModel {
    std::array<double, kBandCount> gain{1, 1, 1, 1, 1, 1, 1, 1};  // relative calibration
    double noise = 0.003;         // reflectance noise, standard deviation
    double psf_sigma = 1.5;       // optics + motion blur, in 10 m pixels (0.5 of a 30 m pixel)
    double shift_east_m = 0;      // geolocation error of this scene
    double shift_north_m = 0;
};

// A 30 m grid relative to the study area: its first pixel's top-left corner is
// `offset_px` 10 m pixels east and south of the area's corner (-1.5 for
// Landsat's lattice, 0 for the MGRS one), with width x height pixels.
struct CoarseGrid {
    double offset_px = 0;
    int width = 0, height = 0;
};

// Each 30 m pixel integrates the truth over its footprint blurred by the PSF
// (box of 3 pixels convolved with a Gaussian), then gains and noise apply.
RasterBlock simulate_sensor(const RasterBlock& truth, int margin, const CoarseGrid& grid,
                            const SensorModel& sensor, std::uint64_t noise_seed);

// Cloud opacity and shadow strength per 30 m pixel, both in [0, 1]; a pixel is
// cloud where opacity >= 0.5 and shadow where shadow >= 0.5 (and not cloud).
struct Clouds {
    int width = 0, height = 0;
    std::vector<float> opacity, shadow;
    bool cloud(std::size_t i) const { return opacity[i] >= 0.5f; }
    bool in_shadow(std::size_t i) const { return !cloud(i) && shadow[i] >= 0.5f; }
    // Clear pixels within `radius` pixels of cloud or shadow (Fmask "adjacent").
    std::vector<bool> adjacent(int radius) const;
};

// A few soft cloud blobs covering `fraction` of the grid (0 = clear sky), with
// shadows cast away from a south-eastern summer sun.
Clouds make_clouds(std::uint64_t seed, double fraction, int area_pixels, const CoarseGrid& grid);

// Brightens cloudy pixels towards cloud reflectance and darkens shadows.
void apply_clouds(RasterBlock& reflectance, const Clouds& clouds);

// Sentinel-1 IW GRD sigma0 in dB (VV, VH) over the study area (not the margin),
// from cover and biomass, with 4-look multiplicative speckle in linear power.
RasterBlock render_backscatter(const Landscape& landscape, double day_of_year, std::uint64_t speckle_seed);

}  // namespace lssr::io::synth
