#include "libcrop/model.hpp"

#include <set>
#include <utility>
#include <vector>

#include "libio/gdal/text_file.hpp"
#include "libcrop/xgboost_model_check.hpp"
#include "libio/core/errors.hpp"

namespace lssr::crop {
namespace {

using nlohmann::json;

json metadata_of(const CropModel& model) {
    json classes = json::array();
    for (const auto& e : model.classes.entries())
        classes.push_back({{"id", e.id}, {"cdl", e.cdl}, {"name", e.name}});
    json images = json::array();
    for (const auto& image : model.images)
        images.push_back({{"bands", image.band_count}, {"roles", image.band_roles}, {"date", image.date}});
    json indices = json::array();
    for (SpectralIndex i : model.indices) indices.push_back(index_name(i));
    const auto& background = model.classes.background_cdl();
    return {{"version", kModelVersion},
            {"classes", classes},
            {"background_cdl", background ? json(*background) : json(nullptr)},
            {"features", model.features},
            {"indices", indices},
            {"images", images},
            {"params", model.params},
            {"rounds", model.rounds},
            {"training", model.training}};
}

// Copies, dump() and XGBoost's parser recurse over the document, so its nesting
// is bounded first, without recursion (a valid model nests 9 deep).
void check_nesting(const json& document) {
    constexpr int kMaxNesting = 32;
    std::vector<std::pair<const json*, int>> pending{{&document, 0}};
    while (!pending.empty()) {
        const auto [value, depth] = pending.back();
        pending.pop_back();
        if (!value->is_structured()) continue;
        if (depth >= kMaxNesting) throw std::runtime_error("nested more than " + std::to_string(kMaxNesting) + " deep");
        for (const json& child : *value) pending.push_back({&child, depth + 1});
    }
}

// Reads the metadata; json exceptions (missing fields, wrong types) propagate.
void read_metadata(const json& meta, CropModel& model) {
    const int version = meta.at("version").get<int>();
    if (version != kModelVersion)
        throw std::runtime_error("version " + std::to_string(version) + ", this tool reads version " +
                                 std::to_string(kModelVersion));
    std::vector<ClassEntry> entries;
    for (const auto& c : meta.at("classes"))
        entries.push_back({c.at("id").get<int>(), c.at("cdl").get<int>(), c.at("name").get<std::string>()});
    std::optional<int> background;
    if (!meta.at("background_cdl").is_null()) background = meta.at("background_cdl").get<int>();
    model.classes = ClassTable::from_entries(entries, background);
    for (const auto& name : meta.at("indices")) model.indices.push_back(index_from_name(name.get<std::string>()));
    model.features = meta.at("features").get<std::vector<std::string>>();
    for (const auto& image : meta.at("images")) {
        ImageSignature s;
        s.band_count = image.at("bands").get<int>();
        s.band_roles = image.at("roles").get<std::vector<std::string>>();
        s.date = image.at("date").get<std::string>();
        if (static_cast<int>(s.band_roles.size()) != s.band_count)
            throw std::runtime_error("an image lists " + std::to_string(s.band_roles.size()) +
                                     " roles for " + std::to_string(s.band_count) + " bands");
        model.images.push_back(s);
    }
    if (model.images.empty()) throw std::runtime_error("no images");
    if (model.features != feature_names(static_cast<int>(model.images.size()), model.indices))
        throw std::runtime_error("the feature list does not match the images and indices");
    model.params = meta.at("params");
    model.rounds = meta.at("rounds").get<int>();
    model.training = meta.value("training", json::object());
}

}  // namespace

void save_model(const CropModel& model, const std::string& path, bool overwrite) {
    json document;
    document["lssr_cropmap"] = metadata_of(model);
    document["xgboost"] = json::parse(model.booster.save_json());
    io::write_text_file(path, document.dump() + "\n", overwrite);
}

CropModel load_model(const std::string& path) {
    const std::string text = io::read_text_file(path);
    auto invalid = [&](const std::string& why) {
        return InputError(path + ": not a valid cropmap model (" + why + ")");
    };
    json document;
    try {
        document = json::parse(text);
    } catch (const json::parse_error& e) {
        throw invalid(text.empty() ? "empty file"
                                   : "malformed or truncated JSON at byte " + std::to_string(e.byte));
    }
    try {
        check_nesting(document);
    } catch (const std::exception& e) {
        throw invalid(e.what());
    }
    if (!document.is_object() || !document.contains("lssr_cropmap") || !document.contains("xgboost"))
        throw invalid("no 'lssr_cropmap' and 'xgboost' sections");
    CropModel model;
    try {
        read_metadata(document.at("lssr_cropmap"), model);
    } catch (const json::exception& e) {
        throw invalid(std::string("metadata: ") + e.what());
    } catch (const std::exception& e) {
        throw invalid(std::string("metadata: ") + e.what());
    }
    try {
        // XGBoost applies whatever it loads: check the document first.
        xgb::check_model_json(document.at("xgboost"), {model.classes.size(), model.features.size()});
        model.booster.load_json(document.at("xgboost").dump());
    } catch (const std::exception& e) {
        throw invalid(e.what());
    }
    return model;
}

void check_images(const CropModel& model, const ImageStack& stack) {
    const int expected = static_cast<int>(model.images.size());
    if (stack.size() != expected) {
        std::string dates;
        for (const auto& image : model.images) dates += (dates.empty() ? "" : ", ") + (image.date.empty() ? "?" : image.date);
        throw InputError("the model was trained on " + std::to_string(expected) + " image(s) (dates " + dates +
                         "), " + std::to_string(stack.size()) + " given");
    }
    for (int i = 0; i < expected; ++i) {
        const ImageSignature& want = model.images[i];
        const ImageSignature& got = stack.signature(i);
        if (got.band_count != want.band_count)
            throw InputError(stack.path(i) + ": has " + std::to_string(got.band_count) +
                             " band(s), but image " + std::to_string(i + 1) + " of the model had " +
                             std::to_string(want.band_count));
        // Bands are read by role, so their order may differ; the roles may not.
        const std::multiset<std::string> a(want.band_roles.begin(), want.band_roles.end());
        const std::multiset<std::string> b(got.band_roles.begin(), got.band_roles.end());
        if (a != b)
            throw InputError(stack.path(i) + ": its band roles differ from image " + std::to_string(i + 1) +
                             " of the model");
    }
}

}  // namespace lssr::crop
