#pragma once
// Dataset mode of lssr-tile: co-registered LR/HR/DEM/LC/S1 patches in the
// LSSR layout (train/ and test/ folders of <id>_<YYYYMMDD>_{L8,S2,DEM,LC,S1}.tif
// plus index.jsonl) from a pair manifest. Sentinel-1 is optional: pairs without
// it (and no --s1) get no _S1.tif, a missing modality to the model.
#include <cstdint>
#include <string>
#include <vector>

#include "libio/gdal/grid.hpp"
#include "libio/core/progress.hpp"

namespace lssr::io {

struct DatasetOptions {
    std::string manifest;     // pair manifest (JSON Lines), "-" = stdin
    std::string dem;          // elevation raster, any CRS
    std::string landcover;    // Dynamic World labels, any CRS
    std::string s1;           // overrides the manifest's Sentinel-1 scenes when set
    std::string out_dir;      // written all-or-nothing
    int patch = 64;           // LR patch size (HR patches are 3x)
    int stride = 0;           // LR pixels between patches; 0 = patch
    double max_nodata = 0.0;  // skip patches with a larger nodata fraction
    double max_cloud = 0.05;  // skip patches with a larger cloud fraction
    double test_fraction = 0.2;
    std::uint64_t seed = 0;
    bool overwrite = false;
};

struct DatasetSummary {
    int pairs = 0;
    int candidates = 0;      // patches laid over the LR/HR overlap
    int kept = 0, train = 0, test = 0;
    int skipped_nodata = 0, skipped_cloud = 0;
    int pairs_without_s1 = 0;  // patches cut without _S1.tif
};

// Throws OptionError for bad option values, InputError for a missing or
// unusable input (naming the file: also a DEM, land cover or Sentinel-1 layer
// that misses a pair's area or holds only nodata there) or when no patch
// survives screening. A patch's nodata fraction counts its HR pixels missing in
// LR, HR or any side layer.
DatasetSummary build_dataset(const DatasetOptions& options, const Progress& progress = {});

// LR patch windows laid on `lr` (its own pixel lattice) every `stride` pixels
// inside `area` (a box in the LR grid's CRS); only whole patches.
std::vector<Window> patch_windows(const Grid& lr, const Bounds& area, int patch, int stride);

// The deterministic split: true when hash(seed, sample id) falls below
// `test_fraction`. Depends on nothing else, so it is stable under reordering.
bool in_test_split(std::uint64_t seed, const std::string& sample_id, double test_fraction);

}  // namespace lssr::io
