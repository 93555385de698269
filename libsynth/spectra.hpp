#pragma once
// Surface reflectance of the landscape on a given day of year: per-cover
// phenology (green and dry canopy fractions) mixing canopy, residue and soil
// spectra, with within-field texture and terrain shading.
#include <array>
#include <cstddef>

#include "libsynth/landscape.hpp"

namespace lssr::io::synth {

// The optical bands the generator renders, in this order. Nir is Sentinel-2's
// broad B08; NirNarrow is B8A and Landsat OLI's band 5.
enum Band { Coastal, Blue, Green, Red, Nir, NirNarrow, Swir1, Swir2 };
inline constexpr int kBandCount = 8;
using Spectrum = std::array<double, kBandCount>;

// Canopy state of a surface: fractions of green and of dry (senescent or
// residue) vegetation; the rest is soil or the cover's own material.
struct Canopy {
    double green = 0, dry = 0;
};

// Phenology of a cover type for a field (sowing shift, vigour) on a day of year.
Canopy phenology(Cover cover, double day_of_year, const Field& field);

// A pixel's state on a day: reflectance (before any sensor) and canopy.
struct Surface {
    Spectrum reflectance{};
    Canopy canopy;
};

Surface surface_at(const Landscape& landscape, std::size_t pixel, double day_of_year);

}  // namespace lssr::io::synth
