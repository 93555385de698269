// lssr-eval: PSNR, SSIM, SAM, NDVI error and LR consistency of super-resolved
// predictions against 10 m references, per sample (CSV) and averaged (JSON).
#include <iostream>

#include "apps/common/tool.hpp"
#include "libio/core/errors.hpp"
#include "libeval/panels.hpp"
#include "libeval/report.hpp"
#include "libeval/samples.hpp"
#include "libio/gdal/staged_output.hpp"
#include "libio/gdal/text_file.hpp"


int main(int argc, char** argv) {
    lssr::app::Tool tool("lssr-eval",
                         "Compare super-resolved predictions with reference images (files or folders "
                         "matched by sample name): PSNR, SSIM, SAM, NDVI error, LR consistency.");
    std::string pred, ref, lr, json_path, csv_path, panels;
    std::vector<std::string> panel_baselines;
    auto& cli = tool.cli();
    cli.add_option("PRED", pred, "Prediction file or folder")->required()->type_name("PRED");
    cli.add_option("REF", ref, "Reference file or folder (same grids as PRED)")->required()->type_name("REF");
    cli.add_option("--lr", lr, "LR input file or folder (PRED's grid coarsened 3x): adds consistency_mae")
        ->type_name("LR");
    cli.add_option("-o,--output", json_path, "Write the metrics JSON to FILE instead of stdout")
        ->type_name("FILE");
    cli.add_option("--csv", csv_path, "Write the per-sample metrics to FILE (CSV)")->type_name("FILE");
    auto* panels_option = cli.add_option("--panels", panels,
                   "Also write PREFIX_<sample>_{truecolor,falsecolor,ndvi}.png: LR | baselines | PRED | REF")
        ->type_name("PREFIX");
    cli.add_option("--panel-baseline", panel_baselines,
                   "Prediction file or folder shown between LR and PRED in the panels (repeatable)")
        ->type_name("PRED2")
        ->needs(panels_option);
    tool.add_overwrite_flag();

    return tool.run(argc, argv, [&] {
        const bool overwrite = tool.common().overwrite;
        // Refuse outputs that are inputs, and existing outputs, before the work, not after it.
        lssr::io::check_outputs_apart({json_path, csv_path}, {pred, ref, lr});
        if (!json_path.empty()) lssr::io::check_can_write(json_path, overwrite);
        if (!csv_path.empty()) lssr::io::check_can_write(csv_path, overwrite);
        std::vector<std::string> unmatched;
        const auto samples = lssr::io::match_samples(pred, ref, lr, unmatched);
        for (const std::string& line : unmatched) tool.warn(line);
        if (!panels.empty()) lssr::io::prepare_sample_panels(samples, panels, overwrite);  // before the work
        lssr::Progress progress = tool.progress();
        std::vector<lssr::io::SampleMetrics> metrics;
        for (size_t i = 0; i < samples.size(); ++i) {
            metrics.push_back(lssr::io::evaluate_sample(samples[i]));
            const auto& m = metrics.back();
            for (const auto& [file, invalid] : {std::pair{samples[i].pred, m.invalid_pred},
                                                std::pair{samples[i].ref, m.invalid_ref},
                                                std::pair{samples[i].lr, m.invalid_lr}})
                if (invalid > 0)
                    tool.warn(file + ": " + std::to_string(invalid) +
                              " pixel(s) hold NaN or infinite values: invalid, left out of every metric "
                              "(invalid_pixels)");
            lssr::report(progress, double(i + 1) / samples.size());
        }
        if (!panels.empty()) lssr::io::write_sample_panels(samples, panel_baselines, ref, panels, overwrite);
        const std::string json = lssr::io::metrics_summary(metrics).dump(2) + "\n";
        if (!csv_path.empty()) lssr::io::write_text_file(csv_path, lssr::io::metrics_csv(metrics), overwrite);
        if (json_path.empty()) std::cout << json << std::flush;
        else lssr::io::write_text_file(json_path, json, overwrite);
        return 0;
    });
}
