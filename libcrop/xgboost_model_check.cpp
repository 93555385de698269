#include "libcrop/xgboost_model_check.hpp"

#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace lssr::crop::xgb {
namespace {

using nlohmann::json;

constexpr long long kInt32Max = std::numeric_limits<std::int32_t>::max();
// XGBoost writes the root's parent as 2^31 - 1 (its "no node" with the left-child bit masked).
constexpr long long kRootParent = kInt32Max;

[[noreturn]] void fail(const std::string& why) { throw std::runtime_error(why); }

const json& member(const json& object, const char* key, const std::string& where) {
    if (!object.is_object()) fail(where + " is not an object");
    const auto it = object.find(key);
    if (it == object.end()) fail(where + " has no '" + key + "'");
    return *it;
}

const json& object_member(const json& object, const char* key, const std::string& where) {
    const json& value = member(object, key, where);
    if (!value.is_object()) fail(where + "." + key + " is not an object");
    return value;
}

const json& array_member(const json& object, const char* key, const std::string& where) {
    const json& value = member(object, key, where);
    if (!value.is_array()) fail(where + "." + key + " is not an array");
    return value;
}

const std::string& string_member(const json& object, const char* key, const std::string& where) {
    const json& value = member(object, key, where);
    if (!value.is_string()) fail(where + "." + key + " is not a string");
    return value.get_ref<const std::string&>();
}

std::string range_text(long long lo, long long hi) {
    return " is not an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]";
}

// XGBoost writes its parameters as decimal strings ("num_trees": "6"); only
// plain decimals in [lo, hi] pass, so nothing overflows or allocates on a whim.
long long integer_param(const json& object, const char* key, const std::string& where, long long lo,
                        long long hi) {
    const std::string& text = string_member(object, key, where);
    const size_t digits_from = !text.empty() && text[0] == '-' ? 1 : 0;
    bool decimal = text.size() > digits_from && text.size() - digits_from <= 12;
    for (size_t i = digits_from; decimal && i < text.size(); ++i) decimal = text[i] >= '0' && text[i] <= '9';
    const long long value = decimal ? std::stoll(text) : 0;
    if (!decimal || value < lo || value > hi) fail(where + "." + key + range_text(lo, hi));
    return value;
}

double float_param(const json& object, const char* key, const std::string& where) {
    const std::string& text = string_member(object, key, where);
    size_t used = 0;
    double value = NAN;
    try {
        value = std::stod(text, &used);
    } catch (const std::exception&) {
        used = 0;
    }
    if (used == 0 || used != text.size() || !std::isfinite(value)) fail(where + "." + key + " is not a finite number");
    return value;
}

// Whether `value` is an integer in [lo, hi] (then stored in `out`).
bool integer_in(const json& value, long long lo, long long hi, long long& out) {
    if (value.is_number_unsigned()) {
        if (value.get<unsigned long long>() > static_cast<unsigned long long>(hi)) return false;
        out = static_cast<long long>(value.get<unsigned long long>());
    } else if (value.is_number_integer()) {
        out = value.get<long long>();
    } else {
        return false;
    }
    return out >= lo && out <= hi;
}

long long integer_value(const json& value, long long lo, long long hi, const std::string& where) {
    long long v = 0;
    if (!integer_in(value, lo, hi, v)) fail(where + range_text(lo, hi));
    return v;
}

// A per-node array of a tree: exactly `n` entries.
const json& node_array(const json& tree, const char* key, size_t n, const std::string& where) {
    const json& array = array_member(tree, key, where);
    if (array.size() != n)
        fail(where + "." + key + " has " + std::to_string(array.size()) + " entries for " + std::to_string(n) +
             " nodes");
    return array;
}

std::vector<long long> integer_array(const json& tree, const char* key, size_t n, long long lo, long long hi,
                                     const std::string& where) {
    const json& array = node_array(tree, key, n, where);
    std::vector<long long> values(n);
    for (size_t i = 0; i < n; ++i)
        if (!integer_in(array[i], lo, hi, values[i]))
            fail(where + "." + key + "[" + std::to_string(i) + "]" + range_text(lo, hi));
    return values;
}

std::vector<double> number_array(const json& tree, const char* key, size_t n, const std::string& where) {
    const json& array = node_array(tree, key, n, where);
    std::vector<double> values(n);
    for (size_t i = 0; i < n; ++i) {
        if (!array[i].is_number()) fail(where + "." + key + "[" + std::to_string(i) + "] is not a number");
        values[i] = array[i].get<double>();
    }
    return values;
}

void check_finite_numbers(const json& array, const std::string& where) {
    for (size_t i = 0; i < array.size(); ++i)
        if (!array[i].is_number() || !std::isfinite(array[i].get<double>()))
            fail(where + "[" + std::to_string(i) + "] is not a finite number");
}

void check_tree(const json& tree, size_t index, const ModelShape& expected) {
    const std::string where = "tree " + std::to_string(index);
    if (!tree.is_object()) fail(where + " is not an object");
    if (integer_value(member(tree, "id", where), 0, kInt32Max, where + ".id") != static_cast<long long>(index))
        fail(where + ".id is not " + std::to_string(index));
    const json& param = object_member(tree, "tree_param", where);
    const std::string param_where = where + ".tree_param";
    const long long n = integer_param(param, "num_nodes", param_where, 1, kInt32Max - 1);
    const long long deleted = integer_param(param, "num_deleted", param_where, 0, n - 1);
    if (integer_param(param, "num_feature", param_where, 0, kInt32Max) != static_cast<long long>(expected.num_feature))
        fail(param_where + ".num_feature is not " + std::to_string(expected.num_feature));
    if (param.contains("size_leaf_vector") && integer_param(param, "size_leaf_vector", param_where, 0, kInt32Max) != 0)
        fail(where + " has vector leaves");

    // Every per-node array has num_nodes entries (the arrays are in memory
    // already, so num_nodes is bounded by the file before anything is sized by it).
    const size_t nodes = static_cast<size_t>(n);
    const auto left = integer_array(tree, "left_children", nodes, -1, n - 1, where);
    const auto right = integer_array(tree, "right_children", nodes, -1, n - 1, where);
    const auto parents = integer_array(tree, "parents", nodes, -1, kRootParent, where);
    const auto split_index = integer_array(tree, "split_indices", nodes, 0, kInt32Max, where);
    const auto split_value = number_array(tree, "split_conditions", nodes, where);
    number_array(tree, "base_weights", nodes, where);
    number_array(tree, "loss_changes", nodes, where);
    number_array(tree, "sum_hessian", nodes, where);
    const json& default_left = node_array(tree, "default_left", nodes, where);
    for (size_t i = 0; i < nodes; ++i) {
        const json& d = default_left[i];
        if (!d.is_boolean() && !(d.is_number_integer() && (d.get<long long>() == 0 || d.get<long long>() == 1)))
            fail(where + ".default_left[" + std::to_string(i) + "] is not 0 or 1");
    }
    // Cropmap features are all continuous: categorical splits never occur.
    if (tree.contains("split_type")) {
        const auto type = integer_array(tree, "split_type", nodes, 0, kInt32Max, where);
        for (long long t : type)
            if (t != 0) fail(where + " has a categorical split, which cropmap models never have");
    }
    for (const char* key : {"categories", "categories_nodes", "categories_segments", "categories_sizes"})
        if (tree.contains(key) && !array_member(tree, key, where).empty())
            fail(where + " has categorical splits, which cropmap models never have");

    // Walk from the root as XGBoost's predictor does, but iteratively with a
    // visited set: each node is reached once, its children name it as parent.
    if (parents[0] != kRootParent && parents[0] != -1) fail(where + ": the root has a parent");
    std::vector<char> reached(nodes, 0);
    std::vector<std::pair<long long, int>> pending{{0, 0}};  // node, depth
    reached[0] = 1;
    long long reached_count = 1;
    while (!pending.empty()) {
        const auto [node, depth] = pending.back();
        pending.pop_back();
        const auto at = [&, node = node] { return where + " node " + std::to_string(node); };
        if (!std::isfinite(split_value[node])) fail(at() + ": the split condition or leaf value is not finite");
        if (left[node] == -1 && right[node] == -1) continue;  // a leaf
        if (left[node] == -1 || right[node] == -1) fail(at() + " has one child");
        if (split_index[node] >= static_cast<long long>(expected.num_feature))
            fail(at() + " splits on feature " + std::to_string(split_index[node]) + " of " +
                 std::to_string(expected.num_feature));
        if (depth + 1 > kMaxTreeDepth) fail(where + " is deeper than " + std::to_string(kMaxTreeDepth) + " levels");
        for (long long child : {left[node], right[node]}) {
            if (reached[child])
                fail(at() + ": node " + std::to_string(child) + " is reached twice, a cycle or a shared child");
            if (parents[child] != node) fail(where + " node " + std::to_string(child) + " does not name its parent");
            reached[child] = 1;
            ++reached_count;
            pending.push_back({child, depth + 1});
        }
    }
    // Nodes off the tree are XGBoost's pruned ("deleted") nodes: childless and counted.
    for (size_t i = 0; i < nodes; ++i)
        if (!reached[i] && (left[i] != -1 || right[i] != -1))
            fail(where + " node " + std::to_string(i) + " is not reachable from the root");
    if (n - reached_count != deleted)
        fail(where + " has " + std::to_string(n - reached_count) + " node(s) off the tree, num_deleted is " +
             std::to_string(deleted));
}

// Returns the number of trees.
size_t check_gbtree(const json& gbtree, const ModelShape& expected, const std::string& where) {
    if (string_member(gbtree, "name", where) != "gbtree") fail(where + ".name is not 'gbtree'");
    const std::string model_where = where + ".model";
    const json& model = object_member(gbtree, "model", where);
    const json& param = object_member(model, "gbtree_model_param", model_where);
    const std::string param_where = model_where + ".gbtree_model_param";
    const json& trees = array_member(model, "trees", model_where);
    const json& tree_info = array_member(model, "tree_info", model_where);
    const long long num_trees = integer_param(param, "num_trees", param_where, 0, kInt32Max);
    if (static_cast<size_t>(num_trees) != trees.size())
        fail("num_trees is " + std::to_string(num_trees) + " but " + std::to_string(trees.size()) +
             " trees are stored");
    if (tree_info.size() != trees.size())
        fail("tree_info has " + std::to_string(tree_info.size()) + " entries for " + std::to_string(trees.size()) +
             " trees");
    const long long parallel = integer_param(param, "num_parallel_tree", param_where, 1, kInt32Max);
    if (param.contains("size_leaf_vector") && integer_param(param, "size_leaf_vector", param_where, 0, kInt32Max) != 0)
        fail("the booster has vector leaves");
    if (num_trees % (parallel * expected.num_class) != 0)
        fail(std::to_string(num_trees) + " trees do not make whole rounds of " + std::to_string(expected.num_class) +
             " classes x " + std::to_string(parallel) + " parallel trees");
    for (size_t i = 0; i < tree_info.size(); ++i)
        integer_value(tree_info[i], 0, expected.num_class - 1, "tree_info[" + std::to_string(i) + "]");
    for (size_t i = 0; i < trees.size(); ++i) check_tree(trees[i], i, expected);
    return trees.size();
}

void check_learner(const json& learner, const ModelShape& expected) {
    const json& param = object_member(learner, "learner_model_param", "learner");
    const std::string where = "learner.learner_model_param";
    const long long num_class = integer_param(param, "num_class", where, 0, kInt32Max);
    if (num_class != expected.num_class)
        fail("the XGBoost model has " + std::to_string(num_class) + " classes, the class table " +
             std::to_string(expected.num_class));
    const long long num_feature = integer_param(param, "num_feature", where, 0, kInt32Max);
    if (num_feature != static_cast<long long>(expected.num_feature))
        fail("the XGBoost model expects " + std::to_string(num_feature) + " features, the metadata lists " +
             std::to_string(expected.num_feature));
    if (param.contains("num_target") && integer_param(param, "num_target", where, 0, kInt32Max) != 1)
        fail(where + ".num_target is not 1");
    float_param(param, "base_score", where);

    // cropmap-predict reads one probability per class and pixel.
    const json& objective = object_member(learner, "objective", "learner");
    if (string_member(objective, "name", "learner.objective") != "multi:softprob")
        fail("the objective is not multi:softprob");
    const json& softmax = object_member(objective, "softmax_multiclass_param", "learner.objective");
    if (integer_param(softmax, "num_class", "learner.objective.softmax_multiclass_param", 0, kInt32Max) != num_class)
        fail("the objective's num_class differs from the model's");

    if (learner.contains("attributes")) {
        const json& attributes = object_member(learner, "attributes", "learner");
        for (const auto& item : attributes.items())
            if (!item.value().is_string()) fail("learner.attributes holds a value that is not a string");
    }
    for (const char* key : {"feature_names", "feature_types"}) {
        if (!learner.contains(key)) continue;
        const json& names = array_member(learner, key, "learner");
        if (!names.empty() && names.size() != expected.num_feature)
            fail(std::string("learner.") + key + " has " + std::to_string(names.size()) + " entries for " +
                 std::to_string(expected.num_feature) + " features");
        for (const json& name : names)
            if (!name.is_string() || (std::string(key) == "feature_types" && name.get_ref<const std::string&>() == "c"))
                fail(std::string("learner.") + key + " holds an entry that is not a numerical feature's");
    }
}

}  // namespace

void check_model_json(const json& model, const ModelShape& expected) {
    if (expected.num_class < 1) fail("no classes");
    if (!model.is_object()) fail("the xgboost section is not an object");
    const json& version = array_member(model, "version", "xgboost");
    if (version.size() != 3) fail("xgboost.version is not [major, minor, patch]");
    for (const json& v : version) integer_value(v, 0, kInt32Max, "xgboost.version");

    const json& learner = object_member(model, "learner", "xgboost");
    check_learner(learner, expected);
    const json& booster = object_member(learner, "gradient_booster", "learner");
    const std::string& name = string_member(booster, "name", "learner.gradient_booster");
    if (name == "gbtree") {
        check_gbtree(booster, expected, "learner.gradient_booster");
    } else if (name == "dart") {
        const size_t trees = check_gbtree(object_member(booster, "gbtree", "learner.gradient_booster"), expected,
                                          "learner.gradient_booster.gbtree");
        const json& weights = array_member(booster, "weight_drop", "learner.gradient_booster");
        if (weights.size() != trees)
            fail("weight_drop has " + std::to_string(weights.size()) + " entries for " + std::to_string(trees) +
                 " trees");
        check_finite_numbers(weights, "weight_drop");
    } else if (name == "gblinear") {
        // XGBoost 1.7 predicts in place (as cropmap-predict does) with trees only.
        fail("a gblinear booster, which cropmap-predict cannot apply; use gbtree or dart");
    } else {
        fail("unknown booster kind");
    }
}

}  // namespace lssr::crop::xgb
