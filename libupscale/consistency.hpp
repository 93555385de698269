#pragma once
// Consistency by construction: a final projection of a 3x output so that every
// 3x3 block of output pixels averages exactly to its input pixel, per band.
//
// With D the 3x3 block mean and U the model input path's bilinear x3
// upsampling (align_corners false, edges clamped), the output becomes
// y + U(c), where c on the input grid solves (D U) c = x - D(y) on the valid
// input pixels (c = 0 elsewhere). D U is separable, M (x) M with the 1-D
// tridiagonal M = [1/9, 7/9, 1/9] (8/9 on the diagonal at both ends), whose
// eigenvalues lie in [5/9, 1]: conjugate gradient converges in about a dozen
// iterations. The correction is a bilinear field, so it adds no block edges.
// Planar float blocks in, no LibTorch.
#include <string>

#include "libio/gdal/raster.hpp"

namespace lssr::sr {

enum class Consistency { Exact, None };

// "exact" or "none"; OptionError otherwise.
Consistency parse_consistency(const std::string& text);
std::string to_string(Consistency c);

// Bilinear x3 (align_corners false, edges clamped) of every band: the same
// interpolation as the model input (model_input.hpp's upsample_x3).
io::RasterBlock upsample_bilinear_x3(const io::RasterBlock& lr);

// Mean of each 3x3 block (NaN where any of the nine is not finite).
io::RasterBlock block_mean_x3(const io::RasterBlock& hr);

struct ProjectionStats {
    int max_iterations = 0;   // conjugate-gradient iterations of the slowest band
    double max_residual = 0;  // largest |block mean - input| left, in reflectance
};

// Projects `hr` (bands x 3h x 3w, reflectance) in place onto the input `lr`
// (bands x h x w, reflectance, NaN = nodata). Input pixels that are NaN, or
// whose nine output pixels are not all finite, impose nothing and get c = 0.
// The block's first and last rows and columns are treated as scene edges.
// No output pixel of a non-negative input pixel ends below 3/4 of the darkest
// input pixel of its 3x3 input neighbourhood (never below 0). Bands are solved
// on up to `threads` threads; each band's result is the same for any count.
ProjectionStats project_consistent(io::RasterBlock& hr, const io::RasterBlock& lr, int threads = 1);

}  // namespace lssr::sr
