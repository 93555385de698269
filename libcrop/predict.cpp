#include "libcrop/predict.hpp"

#include <algorithm>
#include <cmath>
#include <memory>

#include "libcrop/cdl.hpp"
#include "libcrop/features.hpp"
#include "libcrop/labels.hpp"
#include "libio/core/errors.hpp"
#include "libio/gdal/staged_output.hpp"

namespace lssr::crop {
namespace {

std::map<std::string, std::string> provenance(const CropModel& model, const ImageStack& stack) {
    std::map<std::string, std::string> meta;
    std::string dates;
    for (int i = 0; i < stack.size(); ++i)
        dates += (i ? "," : "") + (stack.signature(i).date.empty() ? std::string("?") : stack.signature(i).date);
    meta["CROPMAP_IMAGE_DATES"] = dates;
    std::string classes;
    for (const auto& e : model.classes.entries()) classes += (classes.empty() ? "" : ",") + std::to_string(e.cdl);
    meta["CROPMAP_CLASSES"] = classes;
    meta["CROPMAP_ROUNDS"] = std::to_string(model.rounds);
    return meta;
}

}  // namespace

PredictResult predict_scene(CropModel& model, const PredictOptions& options, const Progress& progress) {
    // Refuse existing outputs, and outputs that are inputs, before any work.
    std::vector<std::string> inputs = options.images;
    if (options.labels) inputs.push_back(*options.labels);
    io::check_outputs_apart({options.output, options.proba.value_or("")}, inputs);
    io::check_can_write(options.output, options.output_options.overwrite);
    if (options.proba) io::check_can_write(*options.proba, options.output_options.overwrite);

    ImageStack stack(options.images, options.align);
    check_images(model, stack);
    const io::Grid& grid = stack.grid();
    std::unique_ptr<LabelRaster> labels;
    if (options.labels) labels = std::make_unique<LabelRaster>(*options.labels, grid);
    if (options.threads > 0) model.booster.set_param("nthread", std::to_string(options.threads));

    const int k = model.classes.size();
    io::RasterSpec map_spec;
    map_spec.grid = grid;
    map_spec.bands = 1;
    map_spec.type = GDT_Byte;
    map_spec.nodata = kClassMapNodata;
    map_spec.descriptions = {"class (CDL code)"};
    map_spec.metadata = provenance(model, stack);
    io::RasterWriter map_writer(options.output, map_spec, options.output_options);
    map_writer.set_color_table(cdl_color_table());

    std::unique_ptr<io::RasterWriter> proba_writer;
    if (options.proba) {
        io::RasterSpec spec;
        spec.grid = grid;
        spec.bands = k;
        spec.type = GDT_Float32;
        spec.nodata = NAN;
        spec.metadata = map_spec.metadata;
        for (const auto& e : model.classes.entries()) {
            spec.descriptions.push_back(e.name);
            spec.band_metadata.push_back({{"CDL_CODE", std::to_string(e.cdl)}});
        }
        proba_writer = std::make_unique<io::RasterWriter>(*options.proba, spec, options.output_options);
    }

    PredictResult result;
    result.pixels = static_cast<long long>(grid.width) * grid.height;
    if (labels) result.confusion.emplace();
    std::vector<float> rows, probabilities, classes, proba_plane;
    std::vector<long long> pair_counts(labels ? 256 * 256 : 0, 0);  // reference * 256 + produced
    for (const io::Window& window : row_bands(grid, options.block_pixels)) {
        const FeatureBlock features = compute_features(stack, model.indices, window);
        const size_t pixels = static_cast<size_t>(window.width) * window.height;

        // Only pixels with data in every image go to XGBoost (a block without gaps as it is).
        std::vector<size_t> where;
        for (size_t p = 0; p < pixels; ++p)
            if (features.valid[p]) where.push_back(p);
        const float* input = features.values.data();
        if (where.size() < pixels) {
            rows.clear();
            for (size_t p : where) rows.insert(rows.end(), features.pixel(p), features.pixel(p) + features.count);
            input = rows.data();
        }
        probabilities.clear();
        if (!where.empty()) {
            model.booster.predict_dense(input, where.size(), features.count, probabilities);
            if (probabilities.size() != where.size() * k)
                throw Error("XGBoost returned " + std::to_string(probabilities.size()) + " values for " +
                            std::to_string(where.size()) + " pixels of " + std::to_string(k) + " classes");
        }

        classes.assign(pixels, NAN);
        for (size_t i = 0; i < where.size(); ++i) {
            const float* p = probabilities.data() + i * k;
            classes[where[i]] = static_cast<float>(model.classes.cdl_of(static_cast<int>(std::max_element(p, p + k) - p)));
        }
        map_writer.write_band(0, classes.data(), window);
        if (proba_writer) {
            for (int c = 0; c < k; ++c) {
                proba_plane.assign(pixels, NAN);
                for (size_t i = 0; i < where.size(); ++i) proba_plane[where[i]] = probabilities[i * k + c];
                proba_writer->write_band(c, proba_plane.data(), window);
            }
        }
        if (labels) {
            // Reference codes go through the model's class table, so "other" codes
            // are scored as the background class, as they were trained.
            const io::RasterBlock reference = labels->read(window);
            for (size_t p = 0; p < pixels; ++p) {
                if (std::isnan(classes[p]) || !std::isfinite(reference.data[p])) continue;
                const int id = model.classes.id_of(static_cast<int>(std::lround(reference.data[p])));
                if (id < 0) continue;
                ++pair_counts[model.classes.cdl_of(id) * 256 + static_cast<int>(classes[p])];
            }
        }
        result.predicted += static_cast<long long>(where.size());
        report(progress, 0.95 * (window.row + window.height) / grid.height, "predicting");
    }
    for (size_t i = 0; i < pair_counts.size(); ++i)
        if (pair_counts[i]) result.confusion->add(static_cast<int>(i / 256), static_cast<int>(i % 256), pair_counts[i]);
    result.staged.push_back(map_writer.finish_staged(scaled(progress, 0.95, 0.98)));
    if (proba_writer) result.staged.push_back(proba_writer->finish_staged(scaled(progress, 0.98, 1.0)));
    if (options.commit) {
        io::commit_all(result.staged);
        result.staged.clear();
    }
    report(progress, 1.0, "done");
    return result;
}

}  // namespace lssr::crop
