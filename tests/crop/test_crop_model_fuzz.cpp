// A corrupt model file must never crash, hang or leave output behind: it loads
// and predicts, or it is refused with one line. XGBoost itself trusts the
// trees, so the four repros (an out-of-range split index or child, num_trees
// 100000, a cycle) crashed or looped before the model was checked on load.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <iterator>
#include <map>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "crop_fixtures.hpp"
#include "libcrop/fit.hpp"
#include "libcrop/model.hpp"
#include "libio/gdal/text_file.hpp"
#include "libio/core/errors.hpp"
#include "support.hpp"

using namespace lssr;
using nlohmann::json;

namespace {

const char* const kImage = "img_20210626.tif";

// A tiny model (three classes, shallow trees by default) trained on a 45 x 45
// area with the given XGBoost parameters; returns the model file's path.
std::string fit_tiny(test::TempDir& dir, const std::string& name, const std::map<std::string, std::string>& params) {
    if (!std::filesystem::exists(dir.file(kImage))) {
        const io::Grid grid = test::utm_grid(45, 45, 10.0);
        crop::test::write_image(dir.file(kImage), grid, {});
        crop::test::write_labels(dir.file("labels.tif"), grid);
    }
    crop::FitOptions options;
    options.images = {dir.file(kImage)};
    options.labels = dir.file("labels.tif");
    options.rounds = 3;
    options.samples_per_class = 100;
    options.threads = 1;
    options.params = params;
    crop::FitReport report;
    crop::save_model(crop::fit_model(options, {}, report), dir.file(name), false);
    return dir.file(name);
}

std::string tiny_model(test::TempDir& dir) {
    return io::read_text_file(fit_tiny(dir, "valid.json", {{"max_depth", "4"}}));
}

json& trees_of(json& document) { return document["xgboost"]["learner"]["gradient_booster"]["model"]["trees"]; }

// The first node from `from` on that has children; -1 when none has.
int inner_node(const json& tree, size_t from = 1) {
    const auto& left = tree["left_children"];
    for (size_t i = from; i < left.size(); ++i)
        if (left[i].get<int>() != -1) return static_cast<int>(i);
    return -1;
}

// The one-line outcome of loading a model and predicting a few pixels with it:
// "ok", "refused" (lssr::Error with one non-empty line) or what went wrong.
std::string outcome(const std::string& path) {
    try {
        crop::CropModel model = crop::load_model(path);
        const size_t features = model.features.size();
        std::vector<float> rows;
        for (int pixel = 0; pixel < 4; ++pixel)
            for (size_t f = 0; f < features; ++f) rows.push_back(pixel == 3 && f == 1 ? NAN : 0.05f * (pixel + f));
        std::vector<float> probabilities;
        model.booster.predict_dense(rows.data(), 4, features, probabilities);
        if (probabilities.size() != 4 * static_cast<size_t>(model.classes.size()))
            return "predicted " + std::to_string(probabilities.size()) + " values";
        return "ok";
    } catch (const Error& e) {
        const std::string message = e.what();
        if (message.empty() || message.find('\n') != std::string::npos) return "bad message: " + message;
        return "refused";
    } catch (const std::exception& e) {
        return std::string("not an lssr::Error: ") + e.what();
    }
}

struct Mutant {
    std::string text;
    bool must_fail = false;  // certainly invalid, so it has to be refused
    std::string label;
};

// Seeded mutants of a valid model file: raw byte damage, and targeted damage
// to the XGBoost trees and parameters (indices, counts, cycles, types).
class Mutator {
public:
    Mutator(std::string text, unsigned seed) : text_(std::move(text)), valid_(json::parse(text_)), rng_(seed) {}

    Mutant next() {
        switch (pick(12)) {
            case 0: return byte_flips();
            case 1: return truncation();
            case 2: return node_value();
            case 3: return cycle();
            case 4: return shared_child();
            case 5: return num_trees();
            case 6: return array_length();
            case 7: return num_nodes();
            case 8: return split_index();
            case 9: return learner_param();
            case 10: return type_change();
            default: return key_removal();
        }
    }

private:
    static constexpr const char* kNodeArrays[] = {"left_children", "right_children", "parents",      "split_indices",
                                                  "split_conditions", "split_type", "default_left", "base_weights",
                                                  "loss_changes", "sum_hessian"};

    size_t pick(size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng_); }
    Mutant make(const json& document, bool must_fail, std::string label) {
        return {document.dump(), must_fail, std::move(label)};
    }
    json& random_tree(json& document) {
        json& trees = trees_of(document);
        return trees[pick(trees.size())];
    }
    json odd_value(long long nodes) {
        const json values[] = {-2, -1, nodes, nodes + 7, 2147483647LL, 4294967296LL, 1e308, "NaN", nullptr,
                               true, 0.5, json::array(), 0};
        return values[pick(std::size(values))];
    }

    // Random bytes mostly break the JSON; a changed digit keeps it parsing
    // and changes a count, an index or a value.
    Mutant byte_flips() {
        std::string text = text_;
        const bool digits = pick(2);
        for (size_t flips = 1 + pick(3); flips > 0; --flips) {
            size_t at = pick(text.size());
            if (!digits) {
                text[at] = static_cast<char>(pick(256));
                continue;
            }
            while (!std::isdigit(static_cast<unsigned char>(text[at]))) at = (at + 1) % text.size();
            text[at] = "0123456789-"[pick(11)];
        }
        return {text, false, digits ? "digit changes" : "byte flips"};
    }
    // Anything shorter than the file minus its newline cuts the closing brace.
    Mutant truncation() { return {text_.substr(0, pick(text_.size() - 1)), true, "truncation"}; }
    Mutant node_value() {
        json document = valid_;
        json& tree = random_tree(document);
        const char* key = kNodeArrays[pick(std::size(kNodeArrays))];
        json& array = tree[key];
        const long long nodes = static_cast<long long>(array.size());
        const json value = odd_value(nodes);
        array[pick(array.size())] = value;
        // Children outside -1..n-1 (or not integers) can never be valid.
        const bool child = std::string(key) == "left_children" || std::string(key) == "right_children";
        const bool out_of_range =
            !value.is_number_integer() || value.get<long long>() < -1 || value.get<long long>() >= nodes;
        return make(document, child && out_of_range, std::string("node value in ") + key);
    }
    Mutant cycle() {
        json document = valid_;
        json& tree = random_tree(document);
        const int node = std::max(inner_node(tree), 0);
        // Point a child at the root, an ancestor of every node (or at itself).
        tree[pick(2) ? "left_children" : "right_children"][node] = pick(2) ? 0 : node;
        return make(document, true, "cycle");
    }
    Mutant shared_child() {
        json document = valid_;
        json& tree = random_tree(document);
        const int node = inner_node(tree);
        if (node < 0) return cycle();
        tree["right_children"][node] = tree["left_children"][node];
        return make(document, true, "shared child");
    }
    Mutant num_trees() {
        json document = valid_;
        json& param = document["xgboost"]["learner"]["gradient_booster"]["model"]["gbtree_model_param"];
        const long long n = static_cast<long long>(trees_of(document).size());
        const json values[] = {"100000", "0", "-1", std::to_string(n + 1), std::to_string(n - 1), "abc", 100000};
        param["num_trees"] = values[pick(std::size(values))];
        return make(document, true, "num_trees");
    }
    Mutant array_length() {
        json document = valid_;
        json& tree = random_tree(document);
        json& array = tree[kNodeArrays[pick(std::size(kNodeArrays))]];
        if (pick(2))
            array.erase(array.size() - 1);
        else
            array.push_back(0);
        return make(document, true, "array length");
    }
    Mutant num_nodes() {
        json document = valid_;
        json& param = random_tree(document)["tree_param"];
        const long long n = std::stoll(param["num_nodes"].get<std::string>());
        const json values[] = {std::to_string(n + 1), std::to_string(n - 1), "100000", "0", "-3", n};
        param["num_nodes"] = values[pick(std::size(values))];
        return make(document, true, "num_nodes");
    }
    Mutant split_index() {
        json document = valid_;
        json& tree = random_tree(document);
        const json values[] = {7, 8, 1000, 2147483647LL, -2, "NaN"};  // the model has 7 features
        const int node = inner_node(tree, 0);
        if (node < 0) return num_trees();
        tree["split_indices"][node] = values[pick(std::size(values))];
        return make(document, true, "split index");
    }
    Mutant learner_param() {
        json document = valid_;
        json& learner = document["xgboost"]["learner"];
        const json values[] = {"0", "2", "100000", "-1", "x", 3, "1e9"};
        const json value = values[pick(std::size(values))];
        switch (pick(5)) {
            case 0: learner["learner_model_param"]["num_class"] = value; break;
            case 1: learner["learner_model_param"]["num_feature"] = value; break;
            case 2: learner["objective"]["softmax_multiclass_param"]["num_class"] = value; break;
            case 3: learner["gradient_booster"]["model"]["tree_info"][0] = value; break;
            default: learner["gradient_booster"]["name"] = pick(2) ? "dart" : "gblinear"; break;
        }
        return make(document, true, "learner parameter");
    }
    // A random value somewhere in the document replaced by one of another type.
    Mutant type_change() {
        json document = valid_;
        json* at = &document;
        for (size_t depth = pick(9); depth > 0 && (at->is_object() || at->is_array()) && !at->empty(); --depth) {
            auto it = at->begin();
            std::advance(it, static_cast<long>(pick(at->size())));
            at = &*it;
        }
        const json values[] = {json::object(), json::array(), "x", 1, -1.5, nullptr, true};
        json value = values[pick(std::size(values))];
        if (value.type() == at->type()) value = json::array({value});
        *at = value;
        return make(document, false, "type change");
    }
    Mutant key_removal() {
        json document = valid_;
        json* at = &document["xgboost"];
        for (size_t depth = pick(6); depth > 0; --depth) {
            if (!at->is_object() && !at->is_array()) break;
            if (at->empty()) break;
            auto it = at->begin();
            std::advance(it, static_cast<long>(pick(at->size())));
            if (!it->is_object() && !it->is_array()) break;
            at = &*it;
        }
        if (at->is_object() && !at->empty()) {
            auto it = at->begin();
            std::advance(it, static_cast<long>(pick(at->size())));
            at->erase(it);
        } else if (at->is_array() && !at->empty()) {
            at->erase(pick(at->size()));
        }
        return make(document, false, "key removal");
    }

    std::string text_;
    json valid_;
    std::mt19937 rng_;
};

void write_model(const std::string& path, const std::string& text) {
    std::filesystem::remove(path);
    io::write_text_file(path, text, false);
}

// cropmap-predict on a bad model: exit 1, one line naming the model, no output.
void expect_refused_by_predict(test::TempDir& dir, const std::string& model, const std::string& why) {
    const std::filesystem::path out = dir.path() / ("out-" + std::filesystem::path(model).stem().string());
    std::filesystem::create_directories(out);
    const auto r = test::run_tool("cropmap-predict", {"-q", "--threads", "1", "-m", model, "-o",
                                                      (out / "map.tif").string(), "--proba",
                                                      (out / "proba.tif").string(), dir.file(kImage)});
    INFO(r.err);
    CHECK(r.exit_code == 1);
    CHECK(r.err.find(model + ": not a valid cropmap model (") != std::string::npos);
    CHECK(r.err.find(why) != std::string::npos);
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') <= 1);
    CHECK(test::list_files(out).empty());
}

void expect_invalid(const std::string& path, const std::string& why) {
    try {
        crop::load_model(path);
        FAIL_CHECK("expected an InputError");
    } catch (const InputError& e) {
        const std::string message = e.what();
        CHECK(message.rfind(path + ": not a valid cropmap model (", 0) == 0);
        CHECK(message.find(why) != std::string::npos);
        CHECK(message.find('\n') == std::string::npos);
    }
}

}  // namespace

TEST_CASE("models whose trees index out of range, overcount or loop are refused on load", "[crop][model]") {
    test::TempDir dir;
    const json valid = json::parse(tiny_model(dir));
    REQUIRE(valid["lssr_cropmap"]["features"].size() == 7);
    const int inner = inner_node(valid["xgboost"]["learner"]["gradient_booster"]["model"]["trees"][0]);
    REQUIRE(inner > 0);

    struct Repro {
        const char* name;
        void (*damage)(json&, int);
        const char* why;
    };
    const Repro repros[] = {
        {"split_index.json", [](json& d, int) { trees_of(d)[0]["split_indices"][0] = 1000; }, "splits on feature 1000"},
        {"left_child.json", [](json& d, int) { trees_of(d)[0]["left_children"][0] = 100000; }, "left_children[0]"},
        {"num_trees.json",
         [](json& d, int) {
             d["xgboost"]["learner"]["gradient_booster"]["model"]["gbtree_model_param"]["num_trees"] = "100000";
         },
         "num_trees is 100000"},
        {"cycle.json", [](json& d, int node) { trees_of(d)[0]["left_children"][node] = 0; }, "a cycle"},
    };
    for (const Repro& repro : repros) {
        INFO(repro.name);
        json document = valid;
        repro.damage(document, inner);
        write_model(dir.file(repro.name), document.dump());
        expect_invalid(dir.file(repro.name), repro.why);
        expect_refused_by_predict(dir, dir.file(repro.name), repro.why);
    }
}

TEST_CASE("a model nested too deeply for a recursive JSON reader is refused", "[crop][model]") {
    test::TempDir dir;
    std::string text = tiny_model(dir);
    const std::string nest = std::string(200000, '[') + std::string(200000, ']');
    for (const char* section : {"\"learner\":{", "\"params\":{"}) {
        std::string deep = text;
        deep.replace(deep.find(section) + std::string(section).size(), 0, "\"extra\":" + nest + ",");
        write_model(dir.file("deep.json"), deep);
        expect_invalid(dir.file("deep.json"), "nested");
    }
}

TEST_CASE("dart and pruned tree models load and predict; a linear booster is refused on load", "[crop][model]") {
    test::TempDir dir;
    CHECK(outcome(fit_tiny(dir, "dart.json", {{"booster", "dart"}, {"max_depth", "4"}})) == "ok");
    // XGBoost 1.7 cannot predict in place with a linear booster: refused on load, not after outputs exist.
    expect_invalid(fit_tiny(dir, "linear.json", {{"booster", "gblinear"}}), "gblinear");

    // tree_method=exact prunes with gamma, leaving childless nodes off the tree.
    const std::string pruned =
        fit_tiny(dir, "pruned.json", {{"tree_method", "exact"}, {"gamma", "2"}, {"max_depth", "6"}});
    CHECK(outcome(pruned) == "ok");
    json document = json::parse(io::read_text_file(pruned));
    json* tree_with_deleted = nullptr;
    for (json& tree : trees_of(document))
        if (tree["tree_param"]["num_deleted"] != "0") tree_with_deleted = &tree;
    REQUIRE(tree_with_deleted);
    // A deleted node given children is not a pruned node any more.
    json& tree = *tree_with_deleted;
    for (size_t i = 0; i < tree["split_indices"].size(); ++i)
        if (tree["split_indices"][i] == 2147483647) {
            tree["left_children"][i] = 0;
            tree["right_children"][i] = 1;
            break;
        }
    write_model(dir.file("grown.json"), document.dump());
    expect_invalid(dir.file("grown.json"), "is not reachable from the root");
}

TEST_CASE("seeded mutants of a model file load and predict or are refused with one line", "[crop][model][fuzz]") {
    test::TempDir dir;
    const std::string valid = tiny_model(dir);
    REQUIRE(outcome(dir.file("valid.json")) == "ok");

    Mutator mutator(valid, 20261201u);
    int refused = 0, loaded = 0;
    const std::string path = dir.file("mutant.json");
    std::vector<Mutant> for_the_tool;
    for (int i = 0; i < 360; ++i) {
        const Mutant mutant = mutator.next();
        write_model(path, mutant.text);
        const std::string result = outcome(path);
        INFO("mutant " << i << " (" << mutant.label << "): " << result);
        REQUIRE((result == "ok" || result == "refused"));
        if (mutant.must_fail) CHECK(result == "refused");
        (result == "ok" ? loaded : refused)++;
        if (i % 60 == 7) for_the_tool.push_back(mutant);
    }
    CHECK(refused > loaded);
    CHECK(loaded > 0);  // some damage is harmless (a changed split value, a dropped optional key)

    // A handful through cropmap-predict: exit 0 or 1, one line at most, and a
    // refused model leaves nothing in the output folder.
    for (size_t i = 0; i < for_the_tool.size(); ++i) {
        const std::filesystem::path out = dir.path() / ("out" + std::to_string(i));
        std::filesystem::create_directories(out);
        write_model(path, for_the_tool[i].text);
        const auto r = test::run_tool("cropmap-predict", {"-q", "--threads", "1", "-m", path, "-o",
                                                          (out / "map.tif").string(), dir.file(kImage)});
        INFO("tool mutant " << i << " (" << for_the_tool[i].label << "): " << r.err);
        CHECK((r.exit_code == 0 || r.exit_code == 1));
        CHECK(std::count(r.err.begin(), r.err.end(), '\n') <= 1);
        CHECK(test::list_files(out) ==
              (r.exit_code == 0 ? std::vector<std::string>{"map.tif"} : std::vector<std::string>{}));
    }
}
