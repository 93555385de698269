#pragma once
// lssr-eval's picture panels: each sample's LR input, baseline predictions,
// prediction and reference side by side (true colour, false colour, NDVI).
#include <string>
#include <vector>

#include "libeval/samples.hpp"
#include "libio/core/progress.hpp"

namespace lssr::io {

// The panel files of one sample: PREFIX_<sample>_{truecolor,falsecolor,ndvi}.png.
std::vector<std::string> sample_panel_paths(const std::string& prefix, const std::string& sample);

// Creates PREFIX's folder and throws OutputError when a sample's picture
// exists without overwrite (before the work).
void prepare_sample_panels(const std::vector<SampleFiles>& samples, const std::string& prefix, bool overwrite);

// For every sample: LR (when the sample has one) | each baseline | prediction
// | reference, all on the reference's stretch (libio/quicklook). Each baseline
// is a file or folder matched against the references as lssr-eval matches
// PRED (one file when there is one sample). Throws InputError when a baseline
// has no file for a sample, OutputError when a picture exists without
// overwrite (checked for every sample before any is written).
void write_sample_panels(const std::vector<SampleFiles>& samples, const std::vector<std::string>& baselines,
                         const std::string& ref, const std::string& prefix, bool overwrite,
                         const Progress& progress = {});

}  // namespace lssr::io
