#pragma once
// lssr-eval's outputs: the dataset summary (JSON) and the per-sample table (CSV).
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "libeval/samples.hpp"

namespace lssr::io {

// Each metric's mean over the samples where it is defined (not NaN), plus
// "samples" (count), "invalid_pixels" (pixels holding NaN/Inf values in any
// file, left out of every metric) and "note". A mean that is infinite (PSNR of an identical
// sample) or undefined (consistency_mae without LR inputs) is written as null.
nlohmann::json metrics_summary(const std::vector<SampleMetrics>& samples);

// One line per sample: sample, then every metric; "inf" for an infinite PSNR,
// empty for an undefined value.
std::string metrics_csv(const std::vector<SampleMetrics>& samples);

}  // namespace lssr::io
