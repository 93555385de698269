#pragma once
// Super-resolution quality metrics with fixed definitions (lssr-eval), on
// reflectance images held as RasterBlocks. A value that is not finite (NaN for
// a missing pixel, or +-Inf) is left out of every metric alike
// (libio/gdal/finite_values.hpp); lssr-eval counts such pixels as invalid.
#include <array>

#include "libio/gdal/raster.hpp"

namespace lssr::io {

// Band indices (0-based) of a six-band block in role order blue..swir2.
inline constexpr std::array<int, 3> kRgbBands{2, 1, 0};      // red, green, blue
inline constexpr std::array<int, 3> kInfraredBands{3, 4, 5};  // nir, swir1, swir2
inline constexpr int kRedBand = 2;
inline constexpr int kNirBand = 3;

// 10 log10(1 / MSE) over every pixel of the given bands valid in both images,
// values clipped to [0,1] first (data range 1). +inf for identical images,
// NaN when no pixel is valid.
double psnr(const RasterBlock& pred, const RasterBlock& ref, const std::array<int, 3>& bands);

// SSIM of one band (values clipped to [0,1], data range 1): 11x11 Gaussian
// window with sigma 1.5, K1 0.01, K2 0.03, population (co)variances, averaged
// over the windows that lie wholly inside the image and hold no missing pixel
// (skimage's gaussian_weights=True, use_sample_covariance=False, cropped).
// NaN when no such window exists (images smaller than 11x11).
double ssim_band(const RasterBlock& pred, const RasterBlock& ref, int band);

// Mean of ssim_band over the given bands.
double ssim(const RasterBlock& pred, const RasterBlock& ref, const std::array<int, 3>& bands);

// Mean spectral angle in degrees between the spectra of all bands, over pixels
// valid in every band of both images with non-zero spectra.
double sam_degrees(const RasterBlock& pred, const RasterBlock& ref);

// Mean squared difference of NDVI = (nir - red) / (nir + red), over pixels where
// both NDVIs are defined.
double ndvi_mse(const RasterBlock& pred, const RasterBlock& ref);

// Mean |mean of each 3x3 block of `sr` - lr| over all bands and the LR pixels
// whose block and LR value are complete. `sr` must be 3x `lr` in both sizes.
double consistency_mae(const RasterBlock& sr, const RasterBlock& lr);

}  // namespace lssr::io
