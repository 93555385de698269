#pragma once
// Applying a crop model to whole scenes, block by block with bounded memory:
// a Byte class map in CDL codes (nodata 255) with the CDL colour table,
// optional per-class probabilities, and optional scoring against labels.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "libcrop/blocks.hpp"
#include "libcrop/image_stack.hpp"
#include "libcrop/metrics.hpp"
#include "libcrop/model.hpp"
#include "libio/core/progress.hpp"
#include "libio/gdal/raster.hpp"
#include "libio/gdal/staged_output.hpp"

namespace lssr::crop {

struct PredictOptions {
    std::vector<std::string> images;
    std::string output;                  // class map
    std::optional<std::string> proba;    // Float32, one band per class (ids order)
    std::optional<std::string> labels;   // reference labels to score against
    io::OutputOptions output_options;    // -of/-co/--overwrite for the rasters
    AlignOptions align;
    int threads = 0;
    long long block_pixels = kDefaultBlockPixels;  // pixels per block (full-width row bands)
    bool commit = true;  // false: the finished rasters stay staged in PredictResult::staged
};

struct PredictResult {
    long long pixels = 0;     // pixels of the grid
    long long predicted = 0;  // pixels with data in every image
    std::optional<ConfusionMatrix> confusion;  // with labels
    std::vector<std::unique_ptr<io::StagedOutput>> staged;  // !options.commit: the rasters to commit
};

// Throws InputError when the images do not fit the model, OutputError when an
// output cannot be written. Outputs appear only when complete.
PredictResult predict_scene(CropModel& model, const PredictOptions& options, const Progress& progress);

}  // namespace lssr::crop
