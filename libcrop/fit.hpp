#pragma once
// Training a crop model: features from dated images, labels warped onto their
// grid, per-class samples, inverse-frequency weights, XGBoost (multi:softprob)
// with early stopping on a validation split.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "libcrop/features.hpp"
#include "libcrop/blocks.hpp"
#include "libcrop/image_stack.hpp"
#include "libcrop/model.hpp"
#include "libio/core/progress.hpp"

namespace lssr::crop {

// XGBoost parameters used unless overridden (the paper's choices).
std::map<std::string, std::string> default_xgboost_params();

struct FitOptions {
    std::vector<std::string> images;
    std::string labels;
    std::vector<int> class_codes{1, 5};        // CDL codes mapped as classes
    std::optional<int> background_cdl = 0;     // every other code; nullopt = unused
    std::vector<SpectralIndex> indices{SpectralIndex::Ndvi};
    long long samples_per_class = 10000;       // 0 = every labelled pixel
    double validation_fraction = 0.2;          // 0 = no validation, no early stopping
    int rounds = 200;
    int early_stopping = 20;                   // rounds without improvement; 0 = off
    std::map<std::string, std::string> params; // overrides of default_xgboost_params()
    std::uint64_t seed = 0;
    int threads = 0;                           // 0 = XGBoost's default (all cores)
    AlignOptions align;
    long long block_pixels = kDefaultBlockPixels;  // pixels per block (full-width row bands)
};

// What happened during training, for the tool to report (also stored in the model).
struct FitReport {
    std::vector<std::string> warnings;
    int rounds_run = 0;
    int rounds_kept = 0;
};

// Throws InputError (bad images or labels), OptionError (bad parameters).
CropModel fit_model(const FitOptions& options, const Progress& progress, FitReport& report);

}  // namespace lssr::crop
