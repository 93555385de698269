#pragma once
// The shipped default model (data/models/default.safetensors) for the libsr tests.
#include <memory>
#include <string>

#include "libsr/lssr/model_choice.hpp"
#include "support.hpp"

namespace lssr::test {

inline std::string default_bundle() { return kSourceDir + "/data/models/default.safetensors"; }

inline std::unique_ptr<sr::SrModel> load_default_model() {
    sr::ModelChoice choice;
    choice.bundle = default_bundle();
    return std::move(sr::load_model(choice).model);
}

}  // namespace lssr::test
