// cropmap-fit: trains a per-pixel XGBoost crop classifier from dated images and a
// CDL label raster, and saves it with its class table and feature list.
#include <fmt/format.h>

#include "apps/common/tool.hpp"
#include "libcrop/cdl.hpp"
#include "libcrop/fit.hpp"
#include "libio/core/errors.hpp"
#include "libio/gdal/staged_output.hpp"

namespace {

// "KEY=VALUE" -> pair; throws OptionError.
std::pair<std::string, std::string> key_value(const std::string& text) {
    const auto eq = text.find('=');
    if (eq == std::string::npos || eq == 0)
        throw lssr::OptionError("--param expects KEY=VALUE, got '" + text + "'");
    return {text.substr(0, eq), text.substr(eq + 1)};
}

}  // namespace

int main(int argc, char** argv) {
    using namespace lssr;
    app::Tool tool("cropmap-fit", "Train an XGBoost crop-type classifier from dated images and a CDL label raster.");
    CLI::App& cli = tool.cli();
    crop::FitOptions options;
    std::string output, classes = "1,5", background = "0", indices = "ndvi", resampling = "bilinear";
    std::vector<std::string> params;
    std::string max_depth, eta, max_bin, subsample;
    cli.add_option("images", options.images,
                   "Images, one per date, on one grid: 6 bands blue..swir2 or band descriptions naming "
                   "the roles ('-' reads paths from stdin)")
        ->required()
        ->type_name("IMAGE...");
    cli.add_option("-l,--labels", options.labels, "Label raster of CDL codes, any CRS and resolution")
        ->required()
        ->type_name("LABELS");
    cli.add_option("-o,--output", output, "Model file to write (JSON)")->required()->type_name("MODEL");
    cli.add_option("--classes", classes, "CDL codes to map as classes (default 1,5: corn, soybeans)")
        ->type_name("CODES");
    cli.add_option("--background", background,
                   "CDL code that every other code maps to, or 'none' to leave other codes out (default 0)")
        ->type_name("CODE|none");
    cli.add_option("--indices", indices, "Spectral indices added per image: ndvi,ndwi,evi or none (default ndvi)")
        ->type_name("LIST");
    cli.add_option("--samples-per-class", options.samples_per_class,
                   "Training pixels drawn per class, 0 = all (default 10000)")
        ->check(CLI::NonNegativeNumber)
        ->type_name("N");
    cli.add_option("--validation-fraction", options.validation_fraction,
                   "Share of the samples held out for early stopping and validation metrics (default 0.2)")
        ->check(CLI::Range(0.0, 0.9))
        ->type_name("F");
    cli.add_option("--rounds", options.rounds, "Boosting rounds at most (default 200)")
        ->check(CLI::PositiveNumber)
        ->type_name("N");
    cli.add_option("--early-stopping", options.early_stopping,
                   "Stop after N rounds without improvement on the validation split, 0 = off (default 20)")
        ->check(CLI::NonNegativeNumber)
        ->type_name("N");
    cli.add_option("--max-depth", max_depth, "Tree depth (default 20)")->type_name("N");
    cli.add_option("--eta", eta, "Learning rate (default 0.05)")->type_name("X");
    cli.add_option("--max-bin", max_bin, "Histogram bins (default 128)")->type_name("N");
    cli.add_option("--subsample", subsample, "Row subsampling per tree (default 0.7)")->type_name("X");
    cli.add_option("--param", params, "Any other XGBoost parameter KEY=VALUE, repeatable")
        ->type_name("KEY=VALUE")
        ->allow_extra_args(false);
    cli.add_option("--seed", options.seed, "Seed for sampling and XGBoost (default 0)")->type_name("N");
    cli.add_flag("--align", options.align.align, "Warp images whose grid differs onto the first image's grid");
    cli.add_option("-r,--resampling", resampling, "Resampling for --align (default bilinear)")->type_name("METHOD");
    cli.add_option("--block-pixels", options.block_pixels,
                   "Pixels read per block, in full-width bands of rows (default 262144)")
        ->check(CLI::PositiveNumber)
        ->type_name("N");
    tool.add_overwrite_flag();

    return tool.run(argc, argv, [&]() {
        options.images = app::expand_stdin_inputs(options.images);
        options.class_codes = crop::parse_cdl_codes(classes);
        if (background == "none") options.background_cdl.reset();
        else options.background_cdl = crop::parse_cdl_codes(background).at(0);
        options.indices = crop::parse_indices(indices);
        options.align.method = io::parse_resampling(resampling);
        options.threads = tool.common().threads;
        for (const auto& p : params) options.params.insert(key_value(p));
        if (!max_depth.empty()) options.params["max_depth"] = max_depth;
        if (!eta.empty()) options.params["eta"] = eta;
        if (!max_bin.empty()) options.params["max_bin"] = max_bin;
        if (!subsample.empty()) options.params["subsample"] = subsample;
        std::vector<std::string> inputs = options.images;
        inputs.push_back(options.labels);
        io::check_outputs_apart({output}, inputs);
        io::check_can_write(output, tool.common().overwrite);

        crop::FitReport report;
        crop::CropModel model = crop::fit_model(options, tool.progress(), report);
        for (const auto& w : report.warnings) tool.warn(w);
        crop::save_model(model, output, tool.common().overwrite);
        std::string summary = fmt::format("{} rounds kept of {}", report.rounds_kept, report.rounds_run);
        if (model.training.contains("validation_metrics")) {
            const auto& m = model.training["validation_metrics"];
            summary += fmt::format("; validation: overall accuracy {:.4f}, kappa {:.4f}, macro F1 {:.4f}",
                                   m["overall_accuracy"].get<double>(), m["kappa"].get<double>(),
                                   m["macro"]["f1"].get<double>());
        }
        tool.info(summary);
        return 0;
    });
}
