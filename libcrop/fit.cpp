#include "libcrop/fit.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>

#include "libcrop/labels.hpp"
#include "libcrop/metrics.hpp"
#include "libcrop/sampling.hpp"
#include "libio/core/errors.hpp"

namespace lssr::crop {
namespace {

using nlohmann::json;

// The value after "<name>-<metric>:" in XGBoost's evaluation line.
double evaluation_value(const std::string& line, const std::string& name) {
    const auto at = line.find(name + "-");
    const auto colon = at == std::string::npos ? at : line.find(':', at);
    if (colon == std::string::npos) throw Error("XGBoost: unexpected evaluation output '" + line + "'");
    return std::stod(line.substr(colon + 1));
}

// Confusion of the most probable class against the true class, in CDL codes.
ConfusionMatrix confusion_of(const std::vector<float>& probabilities, const std::vector<float>& labels,
                             const ClassTable& classes) {
    ConfusionMatrix matrix;
    const int k = classes.size();
    for (size_t i = 0; i < labels.size(); ++i) {
        const float* p = probabilities.data() + i * k;
        const int best = static_cast<int>(std::max_element(p, p + k) - p);
        matrix.add(classes.cdl_of(static_cast<int>(labels[i])), classes.cdl_of(best));
    }
    return matrix;
}

json counts_by_code(const ClassTable& classes, const std::vector<long long>& counts) {
    json out = json::object();
    for (int id = 0; id < classes.size(); ++id) out[std::to_string(classes.cdl_of(id))] = counts[id];
    return out;
}

std::vector<long long> counts_of(const SampleSet& set, int classes) {
    std::vector<long long> counts(classes, 0);
    for (float y : set.labels) ++counts[static_cast<size_t>(y)];
    return counts;
}

}  // namespace

std::map<std::string, std::string> default_xgboost_params() {
    return {{"objective", "multi:softprob"}, {"tree_method", "hist"}, {"max_depth", "20"},
            {"eta", "0.05"},                 {"max_bin", "128"},      {"subsample", "0.7"},
            {"eval_metric", "mlogloss"}};
}

CropModel fit_model(const FitOptions& options, const Progress& progress, FitReport& report) {
    if (options.rounds < 1) throw OptionError("--rounds must be at least 1");
    if (options.validation_fraction < 0 || options.validation_fraction >= 1)
        throw OptionError("--validation-fraction must be in [0, 1)");
    for (const char* fixed : {"objective", "num_class"})
        if (options.params.count(fixed))
            throw OptionError(std::string("parameter '") + fixed + "' is fixed (multi:softprob over the classes)");

    CropModel model;
    model.classes = ClassTable(options.class_codes, options.background_cdl);
    model.indices = options.indices;
    ImageStack stack(options.images, options.align);
    for (int i = 0; i < stack.size(); ++i) {
        model.images.push_back(stack.signature(i));
        if (stack.warped(i))
            report.warnings.push_back(stack.path(i) + ": warped onto the grid of " + stack.path(0));
    }
    model.features = feature_names(stack.size(), model.indices);
    LabelRaster labels(options.labels, stack.grid());

    // 1. Sample labelled pixels block by block (memory bounded by the reservoirs).
    const int k = model.classes.size();
    const int nf = static_cast<int>(model.features.size());
    ClassSampler sampler(k, nf, options.samples_per_class, options.seed);
    const io::Grid& grid = stack.grid();
    for (const io::Window& window : row_bands(grid, options.block_pixels)) {
        const FeatureBlock features = compute_features(stack, model.indices, window);
        const io::RasterBlock codes = labels.read(window);
        for (size_t p = 0; p < codes.plane(); ++p) {
            const float code = codes.data[p];
            if (!features.valid[p] || !std::isfinite(code)) continue;
            const int id = model.classes.id_of(static_cast<int>(std::lround(code)));
            if (id >= 0) sampler.offer(id, features.pixel(p));
        }
        lssr::report(progress, 0.3 * (window.row + window.height) / grid.height, "sampling");
    }
    std::vector<long long> seen(k);
    int present = 0;
    for (int id = 0; id < k; ++id) {
        seen[id] = sampler.seen(id);
        if (seen[id] > 0) ++present;
        else
            report.warnings.push_back("class " + std::to_string(model.classes.cdl_of(id)) + " (" +
                                      model.classes.entries()[id].name + ") has no labelled pixel on the images");
    }
    if (present < 2)
        throw InputError(options.labels + ": fewer than two classes have labelled pixels where the images have data");

    SampleSet train, validation;
    sampler.split(options.validation_fraction, train, validation);
    const bool validate = !validation.labels.empty();

    // 2. Train.
    xgb::DMatrix train_matrix(train.features.data(), train.rows(), nf, options.threads);
    train_matrix.set_float_info("label", train.labels);
    train_matrix.set_float_info("weight", inverse_frequency_weights(train.labels, k));
    std::unique_ptr<xgb::DMatrix> validation_matrix;
    std::vector<const xgb::DMatrix*> cache{&train_matrix};
    if (validate) {
        validation_matrix = std::make_unique<xgb::DMatrix>(validation.features.data(), validation.rows(), nf,
                                                           options.threads);
        validation_matrix->set_float_info("label", validation.labels);
        validation_matrix->set_float_info("weight", inverse_frequency_weights(validation.labels, k));
        cache.push_back(validation_matrix.get());
    }
    xgb::Booster booster(cache);
    std::map<std::string, std::string> params = default_xgboost_params();
    for (const auto& [key, value] : options.params) params[key] = value;
    params["num_class"] = std::to_string(k);
    params["seed"] = std::to_string(options.seed);
    if (options.threads > 0) params["nthread"] = std::to_string(options.threads);
    for (const auto& [key, value] : params) {
        try {
            booster.set_param(key, value);
        } catch (const Error& e) {
            throw OptionError(std::string("XGBoost parameter ") + key + "=" + value + ": " + e.what());
        }
    }

    double best_loss = std::numeric_limits<double>::infinity();
    int best_round = 0, rounds_run = 0;
    for (int round = 0; round < options.rounds; ++round) {
        booster.update(round, train_matrix);
        rounds_run = round + 1;
        if (validate) {
            const double loss = evaluation_value(booster.evaluate(round, {validation_matrix.get()}, {"validation"}),
                                                 "validation");
            if (loss < best_loss) {
                best_loss = loss;
                best_round = round;
            } else if (options.early_stopping > 0 && round - best_round >= options.early_stopping) {
                break;
            }
        }
        lssr::report(progress, 0.3 + 0.65 * rounds_run / options.rounds, "training");
    }
    const int kept = validate && options.early_stopping > 0 ? best_round + 1 : rounds_run;
    model.booster = kept < rounds_run ? booster.slice(kept) : std::move(booster);
    report.rounds_run = rounds_run;
    report.rounds_kept = kept;

    // 3. Record what the model was trained with and how it scores on held-out samples.
    for (const auto& [key, value] : params)
        if (key != "nthread") model.params[key] = value;
    model.rounds = kept;
    model.training = {{"labels", options.labels},
                      {"seed", options.seed},
                      {"samples_per_class", options.samples_per_class},
                      {"validation_fraction", options.validation_fraction},
                      {"labelled_pixels", counts_by_code(model.classes, seen)},
                      {"train_samples", counts_by_code(model.classes, counts_of(train, k))},
                      {"validation_samples", counts_by_code(model.classes, counts_of(validation, k))},
                      {"rounds_run", rounds_run},
                      {"early_stopping", options.early_stopping}};
    if (validate) {
        model.training["validation_" + params["eval_metric"]] = best_loss;
        const std::vector<float> p = model.booster.predict(*validation_matrix);
        model.training["validation_metrics"] =
            metrics_to_json(compute_metrics(confusion_of(p, validation.labels, model.classes)));
    }
    lssr::report(progress, 1.0, "trained");
    return model;
}

}  // namespace lssr::crop
