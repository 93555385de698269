#pragma once
// A crop model: the XGBoost booster plus what is needed to apply it safely
// (classes, features, the images it expects). On disk one JSON document:
//   {"lssr_cropmap": {version, classes, background_cdl, features, indices,
//                     images, params, rounds, training},
//    "xgboost": <XGBoost's own JSON model>}
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "libcrop/cdl.hpp"
#include "libcrop/features.hpp"
#include "libcrop/image_stack.hpp"
#include "libcrop/xgboost.hpp"

namespace lssr::crop {

inline constexpr int kModelVersion = 1;

struct CropModel {
    ClassTable classes;
    std::vector<SpectralIndex> indices;
    std::vector<std::string> features;
    std::vector<ImageSignature> images;
    nlohmann::json params = nlohmann::json::object();  // XGBoost parameters used
    int rounds = 0;                                    // boosting rounds kept
    nlohmann::json training = nlohmann::json::object();  // sample counts, validation metrics
    xgb::Booster booster;
};

// Written atomically; throws OutputError.
void save_model(const CropModel& model, const std::string& path, bool overwrite);

// Throws InputError "<path>: not a valid cropmap model (<why>)" for anything
// that is not a complete, consistent model file.
CropModel load_model(const std::string& path);

// Throws InputError naming the image when the stack does not match what the
// model was trained on (number of images, band count, band roles).
void check_images(const CropModel& model, const ImageStack& stack);

}  // namespace lssr::crop
