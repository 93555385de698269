// cropmap-predict: applies a cropmap-fit model to dated images, block by block,
// writing a CDL-coded class map and optionally probabilities and accuracy scores.
#include <fmt/format.h>

#include <iostream>

#include "apps/common/tool.hpp"
#include "libcrop/metrics.hpp"
#include "libcrop/model.hpp"
#include "libcrop/predict.hpp"
#include "libio/gdal/text_file.hpp"
#include "libio/core/errors.hpp"
#include "libio/gdal/staged_output.hpp"

int main(int argc, char** argv) {
    using namespace lssr;
    app::Tool tool("cropmap-predict",
                   "Map crop types with a cropmap-fit model: a class map in CDL codes, optional "
                   "probabilities, and accuracy against labels.");
    CLI::App& cli = tool.cli();
    crop::PredictOptions options;
    app::OutputFlags output_flags;
    std::string model_path, labels, metrics_path, confusion_path, resampling = "bilinear";
    cli.add_option("images", options.images,
                   "Images in the order and with the bands the model was trained on ('-' reads paths from stdin)")
        ->required()
        ->type_name("IMAGE...");
    cli.add_option("-m,--model", model_path, "Model file written by cropmap-fit")->required()->type_name("MODEL");
    cli.add_option("-o,--output", options.output, "Class map to write (Byte, CDL codes, nodata 255)")
        ->required()
        ->type_name("CLASSES");
    cli.add_option("--proba", options.proba, "Also write per-class probabilities (Float32, one band per class)")
        ->type_name("FILE");
    cli.add_option("-l,--labels", labels, "Reference label raster (CDL codes, any CRS) to score the map against")
        ->type_name("LABELS");
    cli.add_option("--metrics", metrics_path, "Write accuracy metrics as JSON (needs --labels)")->type_name("FILE");
    cli.add_option("--confusion", confusion_path, "Write the confusion matrix as CSV, OTB's layout (needs --labels)")
        ->type_name("FILE");
    cli.add_flag("--align", options.align.align, "Warp images whose grid differs onto the first image's grid");
    cli.add_option("-r,--resampling", resampling, "Resampling for --align (default bilinear)")->type_name("METHOD");
    cli.add_option("--block-pixels", options.block_pixels,
                   "Pixels predicted per block, in full-width bands of rows; memory follows it (default 262144)")
        ->check(CLI::PositiveNumber)
        ->type_name("N");
    tool.add_output_flags(output_flags, false);
    tool.add_overwrite_flag();

    return tool.run(argc, argv, [&]() {
        if (labels.empty() && (!metrics_path.empty() || !confusion_path.empty()))
            throw OptionError("--metrics and --confusion need --labels");
        options.images = app::expand_stdin_inputs(options.images);
        options.align.method = io::parse_resampling(resampling);
        options.output_options = tool.output_options(output_flags);
        options.threads = tool.common().threads;
        if (!labels.empty()) options.labels = labels;
        const bool overwrite = tool.common().overwrite;
        std::vector<std::string> inputs = options.images;
        inputs.insert(inputs.end(), {model_path, labels});
        io::check_outputs_apart({options.output, options.proba.value_or(""), metrics_path, confusion_path}, inputs);
        for (const std::string* path : {&metrics_path, &confusion_path})
            if (!path->empty()) io::check_can_write(*path, overwrite);

        crop::CropModel model = crop::load_model(model_path);
        options.commit = false;  // every output is committed at the end, or none
        crop::PredictResult result = crop::predict_scene(model, options, tool.progress());
        tool.info(fmt::format("{} of {} pixels classified", result.predicted, result.pixels));
        if (result.confusion) {
            if (result.confusion->total() == 0)
                tool.warn(labels + ": no labelled pixel where the map has a class; metrics are empty");
            const crop::Metrics metrics = crop::compute_metrics(*result.confusion);
            const std::string json = crop::metrics_to_json(metrics).dump(2) + "\n";
            if (!metrics_path.empty()) result.staged.push_back(io::stage_text_file(metrics_path, json, overwrite));
            if (!confusion_path.empty())
                result.staged.push_back(
                    io::stage_text_file(confusion_path, crop::confusion_csv(*result.confusion), overwrite));
            if (metrics_path.empty() && confusion_path.empty()) std::cout << json;
            tool.info(fmt::format("overall accuracy {:.4f}, kappa {:.4f}, macro F1 {:.4f}",
                                  metrics.overall_accuracy, metrics.kappa, metrics.macro.f1));
        }
        io::commit_all(result.staged);
        return 0;
    });
}
