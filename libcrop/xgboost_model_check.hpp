#pragma once
// Checks XGBoost's JSON model document before it reaches XGBoost. XGBoost 1.7
// trusts the file: an out-of-range child or feature index is read out of
// bounds at prediction (a crash), a cycle in a tree loops forever, and a
// num_trees above the trees present walks past them. Every tree is walked here
// iteratively, with a visited set and a depth bound, so none of that gets through.
#include <cstddef>

#include <nlohmann/json.hpp>

namespace lssr::crop::xgb {

// What the cropmap metadata says the booster must be.
struct ModelShape {
    int num_class = 0;         // classes of the class table (multi:softprob outputs)
    size_t num_feature = 0;    // features per pixel
};

// Trees deeper than this are refused (cropmap-fit's default max_depth is 20).
inline constexpr int kMaxTreeDepth = 1024;

// Throws std::runtime_error with a one-line reason ("tree 3: node 5 is reached
// twice, a cycle or a shared child") for anything XGBoost could not apply
// safely: wrong structure or types, counts that disagree with the arrays or
// with `expected`, indices out of range, non-finite split values, a tree that
// is not a tree. Accepts gbtree and dart boosters with numerical splits.
void check_model_json(const nlohmann::json& model, const ModelShape& expected);

}  // namespace lssr::crop::xgb
