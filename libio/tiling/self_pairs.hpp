#pragma once
// lssr-tile --self-pairs: a training dataset cut from 30 m scenes alone, by
// Wald's protocol. Each scene is the HR patch source on its own pixel grid and
// its 3x degradation is the LR, so a model fine-tunes on a user's own archive
// without a 10 m reference. The layout is dataset mode's (libio/tiling/training_dataset.hpp):
// train/ and test/ of <id>_<YYYYMMDD>_{L8,S2[,DEM,LC]}.tif and index.jsonl,
// read by lssr-train (libsr/train_data).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "libio/core/dates.hpp"
#include "libio/gdal/grid.hpp"
#include "libio/core/progress.hpp"
#include "libio/gdal/raster.hpp"

namespace lssr::io {

// How an HR scene is degraded to its LR.
//  Box: the mean of each 3x3 block, the degradation lssr-upscale's consistency
//       projection and the bench assume.
//  Gaussian: a Gaussian sensor PSF, then decimation by 3 (see kSelfPairsGaussianSigma).
enum class Psf { Box, Gaussian };

// "box" or "gaussian"; throws OptionError otherwise.
Psf parse_psf(const std::string& name);
const char* psf_name(Psf psf);

// Sigma of the Gaussian PSF in LR pixels. 0.5 gives an MTF of
// exp(-2 pi^2 sigma^2 f^2) = 0.29 at the LR Nyquist frequency (f = 0.5 cycles
// per pixel), about the 0.2-0.3 that Landsat OLI/TM specify at Nyquist, so the
// LR looks as blurred as a real 30 m acquisition, not only as coarse.
inline constexpr double kSelfPairsGaussianSigma = 0.5;

struct SelfPairsOptions {
    std::vector<std::string> scenes;  // multi-band reflectance rasters (roles blue..swir2)
    std::string dem;                  // optional elevation raster, any CRS
    std::string landcover;            // optional Dynamic World labels, any CRS
    std::string out_dir;              // written all-or-nothing
    int patch = 64;                   // LR patch size (HR patches are 3x)
    int stride = 0;                   // LR pixels between patches; 0 = patch
    Psf psf = Psf::Box;
    double max_nodata = 0.0;          // skip patches with a larger nodata fraction
    double test_fraction = 0.2;
    std::uint64_t seed = 0;
    std::string date;                 // YYYY-MM-DD for every scene; "" = from each file name
    bool overwrite = false;
};

struct SelfPairsSummary {
    int scenes = 0;
    int scenes_without_date = 0;  // named 00000000 (month 0, "unknown", to lssr-train)
    int candidates = 0;
    int kept = 0, train = 0, test = 0;
    int skipped_nodata = 0;
};

// Throws OptionError for bad option values and InputError naming the file for
// an unusable scene (not all six reflectance roles, smaller than one HR patch,
// only nodata where patches lie, a scene id met twice), an unusable DEM or land
// cover, or when no patch survives --max-nodata. A patch's nodata fraction
// counts its HR pixels whose LR pixel is missing (any missing HR pixel of the
// 3x3 block, any band) or where a side layer holds no value.
SelfPairsSummary build_self_pairs(const SelfPairsOptions& options, const Progress& progress = {});

// The LR of the HR pixels `inner` of `hr` (a window of hr's pixels whose width
// and height are multiples of 3): one LR pixel per 3x3 block. Box: the block
// mean. Gaussian: the PSF centred on the block, weights over the pixels of
// `hr` it reaches (so `hr` may carry a margin around `inner`), renormalised
// over those present. An LR pixel is NaN when any HR pixel of its block is NaN.
RasterBlock degrade_3x(const RasterBlock& hr, const Window& inner, Psf psf);

// The acquisition date a file name carries: the first YYYYMMDD or YYYY-MM-DD
// token (digits not part of a longer number) that is a real calendar day.
std::optional<Date> date_in_name(const std::string& path);

}  // namespace lssr::io
