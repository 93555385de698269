#pragma once
// Which model lssr-upscale runs, from its options: a bundle, or a diffusers
// base folder with an optional adapter file and prompt embedding, or, when
// neither is named, the default model shipped in data/ (SPEC §5).
#include <memory>
#include <string>
#include <vector>

#include "libsr/lssr/sr_model.hpp"

namespace lssr::sr {

struct ModelChoice {
    std::string bundle;      // --model
    std::string base_model;  // --base-model DIR
    std::string adapter;     // --adapter FILE | "none" | ""
    std::string prompt;      // --prompt-embedding FILE ("" = zeros)
    int64_t timestep = -1;  // -1: 1 for a base model, the bundle's own for a bundle
    double lambda_pix = 1.0, lambda_sem = 1.0;

    // This choice with the default model as its bundle when it names neither a
    // bundle nor a base model (else unchanged). The default is
    // models/default.safetensors under $LSSR_DATA_DIR, then `installed_data_dir`,
    // then `source_data_dir` (the tool's compile-time folders), the first that
    // has one. Throws OptionError listing the paths tried when none has.
    ModelChoice resolve(const std::string& installed_data_dir, const std::string& source_data_dir) const;
};

// The first of data_dir/models/default.safetensors that exists, in the order
// given. Throws OptionError listing the paths tried when none does.
std::string find_default_model(const std::vector<std::string>& data_dirs);

struct LoadedModel {
    std::unique_ptr<SrModel> model;
    std::string name;    // what the provenance calls it
    std::string sha256;  // of every file the weights came from
};

// Throws OptionError when neither or both of bundle and base_model are given,
// InputError for unreadable or inconsistent files.
LoadedModel load_model(const ModelChoice& choice);

// Weights of the model's base UNet (Stable Diffusion's has 865 M, the default
// model's 0.25 M): what the thread policy sizes a model by.
int64_t unet_parameters(SrModel& model);

}  // namespace lssr::sr
