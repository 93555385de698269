#pragma once
// The suite's one rule for values that are not finite numbers (NaN, +Inf, -Inf):
// they are never data.
//  - Input: a stored value that is not finite, or one whose scaled value is not
//    (a float32 overflow, a huge scale), is missing exactly like nodata, wherever
//    reflectance is read (read_scaled, warp_scaled, the patch sampler).
//  - Metrics skip such values like missing ones; lssr-eval counts the pixels.
//  - Model outputs: a model that returns a non-finite value for a finite input
//    is broken; callers raise an Error naming the model (libsr/scene_upscale).
#include <cmath>
#include <cstddef>
#include <limits>
#include <vector>

#include "libio/gdal/bands.hpp"
#include "libio/gdal/raster.hpp"

namespace lssr::io {

// `v` as float32, or NaN (the suite's in-memory "missing") when it is not finite
// or does not fit a float32.
inline float finite_or_missing(double v) {
    return std::abs(v) <= std::numeric_limits<float>::max() ? static_cast<float>(v) : NAN;
}

// True when stored value `dn` is the band's nodata (a NaN nodata matches NaN).
inline bool is_nodata(float dn, const BandScaling& s) {
    if (!s.nodata) return false;
    const double nodata = *s.nodata;
    if (std::isnan(nodata)) return std::isnan(dn);
    // +-Inf, or a value no float32 takes: compared as is (converting it is undefined).
    if (std::abs(nodata) > std::numeric_limits<float>::max()) return dn == nodata;
    return dn == static_cast<float>(nodata);
}

// The physical value of a stored value that is not nodata: NaN when the stored
// or the scaled value is not finite.
inline float finite_scaled(float dn, const BandScaling& s) {
    return std::isfinite(dn) ? finite_or_missing(s.apply(dn)) : NAN;
}

// Stored values -> physical values in place, band b by scalings[b]: NaN for
// nodata and, through finite_scaled, for values that are not finite. Returns,
// per pixel, whether some band had a value that is not finite (stored or
// scaled); nodata does not count.
std::vector<bool> scale_in_place(RasterBlock& block, const std::vector<BandScaling>& scalings);

// Number of values of a block that are not finite.
size_t count_non_finite(const RasterBlock& block);

}  // namespace lssr::io
