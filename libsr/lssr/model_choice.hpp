#pragma once
// Which model lssr-upscale runs, from its options: a bundle, or a diffusers
// base folder with an optional adapter file and prompt embedding.
#include <memory>
#include <string>

#include "libsr/lssr/sr_model.hpp"

namespace lssr::sr {

struct ModelChoice {
    std::string bundle;      // --model
    std::string base_model;  // --base-model DIR
    std::string adapter;     // --adapter FILE | "none" | ""
    std::string prompt;      // --prompt-embedding FILE ("" = zeros)
    int64_t timestep = -1;  // -1: 1 for a base model, the bundle's own for a bundle
    double lambda_pix = 1.0, lambda_sem = 1.0;
};

struct LoadedModel {
    std::unique_ptr<SrModel> model;
    std::string name;    // what the provenance calls it
    std::string sha256;  // of every file the weights came from
};

// Throws OptionError when neither or both of bundle and base_model are given,
// InputError for unreadable or inconsistent files.
LoadedModel load_model(const ModelChoice& choice);

}  // namespace lssr::sr
