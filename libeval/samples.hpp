#pragma once
// lssr-eval's inputs: matching prediction, reference and LR files by sample
// name, reading them as six-band reflectance, and the metrics of one sample.
#include <string>
#include <vector>

#include "libio/core/progress.hpp"
#include "libio/gdal/raster.hpp"
#include "libio/gdal/reflectance.hpp"

namespace lssr::io {

struct SampleFiles {
    std::string name;  // sample name (file stem without its last "_SUFFIX")
    std::string pred, ref, lr;  // lr = "" when not evaluated
};

// Sample name of a file: its stem up to the last '_' ("p0001_S2.tif" -> "p0001"),
// or the whole stem when it has none.
std::string sample_name(const std::string& path);

// Pairs PRED with REF (and LR when not empty). Each is a file or a folder; two
// files are one sample whatever their names, folders are matched by sample name
// (.tif/.tiff files). Where a folder holds several files of one sample, the one
// ending in _SR (prediction), _S2 (reference) or _L8 (LR) is taken. Samples
// missing from a folder are listed in `unmatched` (one line each). Throws
// InputError when nothing matches or a sample's file is ambiguous.
std::vector<SampleFiles> match_samples(const std::string& pred, const std::string& ref,
                                       const std::string& lr, std::vector<std::string>& unmatched);

struct SampleMetrics {
    std::string name;
    double psnr_rgb = 0, ssim_rgb = 0, psnr_ir = 0, ssim_ir = 0, sam_deg = 0, ndvi_mse = 0;
    double consistency_mae = 0;  // NaN without an LR file
    // Invalid pixels (NaN/Inf values) per file, left out of every metric.
    size_t invalid_pred = 0, invalid_ref = 0, invalid_lr = 0;
    size_t invalid_pixels() const { return invalid_pred + invalid_ref + invalid_lr; }
};

// Reads one sample and computes every metric. Throws InputError naming both
// files when the prediction's grid differs from the reference's, or when the LR
// grid is not the prediction's grid coarsened 3x.
SampleMetrics evaluate_sample(const SampleFiles& files);

// Metric names in output order, and a sample's value by name.
const std::vector<std::string>& metric_names();
double metric_value(const SampleMetrics& m, const std::string& name);

}  // namespace lssr::io
