// lssr-pair: finds Landsat/HLS, Sentinel-2 and Sentinel-1 products by their
// official names and writes the LR/HR pair manifest (JSON Lines) for lssr-tile.
#include <iostream>
#include <map>
#include <sstream>

#include "apps/common/tool.hpp"
#include "libio/core/errors.hpp"
#include "libio/pairing/pairing.hpp"
#include "libio/products/scan.hpp"
#include "libio/gdal/staged_output.hpp"
#include "libio/gdal/text_file.hpp"

namespace {

std::string scene_counts(const std::vector<lssr::io::ScannedScene>& scenes) {
    std::map<std::string, int> by_sensor;
    for (const auto& s : scenes) ++by_sensor[s.scene.sensor];
    std::string text;
    for (const auto& [sensor, n] : by_sensor) text += (text.empty() ? "" : ", ") + std::to_string(n) + " " + sensor;
    return text.empty() ? "" : " (" + text + ")";
}

void write_manifest(const std::string& text, const std::string& output, bool overwrite) {
    if (output.empty() || output == "-") {
        std::cout << text << std::flush;
        return;
    }
    lssr::io::write_text_file(output, text, overwrite);
}

}  // namespace

int main(int argc, char** argv) {
    lssr::app::Tool tool("lssr-pair",
                         "Pair 30 m Landsat/HLS scenes with the closest overlapping 10 m Sentinel-2 scene "
                         "(and optionally Sentinel-1) and write the pairs as JSON Lines.");
    std::vector<std::string> inputs;
    std::string output;
    lssr::io::PairOptions options;
    int s1_max_days = 0;
    auto& cli = tool.cli();
    cli.add_option("inputs", inputs,
                   "Files, folders (searched recursively) or GDAL virtual paths; '-' reads a list from stdin")
        ->required()
        ->type_name("INPUT");
    cli.add_option("-o,--output", output, "Write the manifest to FILE instead of stdout")->type_name("FILE");
    cli.add_option("--max-days", options.max_days,
                   "Largest gap in days between LR and HR acquisitions, inclusive (default 7)")
        ->check(CLI::NonNegativeNumber)
        ->type_name("N");
    cli.add_option("--min-overlap", options.min_overlap,
                   "Pair only when the HR footprint covers more than this fraction (0 to below 1) of the "
                   "LR footprint (default 0: any overlap)")
        ->check(CLI::Range(0.0, 1.0))
        ->type_name("F");
    cli.add_flag("--reuse-hr", options.reuse_hr, "Let one Sentinel-2 scene pair with several LR scenes");
    auto* with_s1 = cli.add_flag("--with-s1", options.with_s1,
                                 "Attach the closest Sentinel-1 scene overlapping the HR footprint to each pair");
    cli.add_option("--s1-max-days", s1_max_days,
                   "Largest gap in days between the HR and Sentinel-1 acquisitions (default: --max-days)")
        ->check(CLI::NonNegativeNumber)
        ->needs(with_s1)
        ->type_name("N");
    cli.add_option("--lr", options.lr_sensors,
                   "Low-resolution sensors to pair, comma-separated: landsat, hls-l30, hls-s30 (default all)")
        ->delimiter(',')
        ->allow_extra_args(false)  // "--lr landsat DIR": DIR is an input, not a second sensor
        ->check(CLI::IsMember({"landsat", "hls-l30", "hls-s30"}))
        ->type_name("LIST");
    tool.add_overwrite_flag();

    return tool.run(argc, argv, [&] {
        const bool overwrite = tool.common().overwrite;
        if (cli.count("--s1-max-days")) options.s1_max_days = s1_max_days;
        lssr::io::check_pair_options(options);
        // Refuse an existing output before the scan, so a mistake costs nothing.
        if (!output.empty() && output != "-") lssr::io::check_can_write(output, overwrite);
        const auto files = lssr::app::expand_stdin_inputs(inputs);
        // The scan takes products by their official names only: a manifest inside an input folder is fine.
        lssr::io::check_outputs_apart({output}, files, true);
        if (files.empty()) throw lssr::InputError("no inputs (the list read from stdin is empty)");

        std::vector<std::string> warnings;
        const auto scenes = lssr::io::scan_scenes(files, warnings, tool.progress());
        for (const auto& w : warnings) tool.warn(w);
        std::vector<std::string> scene_files;
        for (const auto& s : scenes) scene_files.insert(scene_files.end(), s.scene.paths.begin(), s.scene.paths.end());
        lssr::io::check_outputs_apart({output}, scene_files);
        const auto result = lssr::io::pair_scenes(scenes, options);

        std::ostringstream text;
        for (const auto& pair : result.pairs) text << lssr::io::to_json(pair).dump() << "\n";
        write_manifest(text.str(), output, overwrite);

        tool.info(std::to_string(scenes.size()) + " scenes" + scene_counts(scenes) + ", " +
                  std::to_string(result.pairs.size()) + " pairs" +
                  (output.empty() || output == "-" ? "" : " written to " + output));
        int left_out = 0;
        for (const auto& u : result.unpaired) {
            if (u.selected) tool.info("unpaired " + u.sensor + " " + u.id + " (" + u.date + "): " + u.reason);
            else ++left_out;
        }
        if (left_out) tool.info(std::to_string(left_out) + " LR scene(s) of other sensors left out by --lr");
        if (result.pairs.empty()) tool.warn("no pairs found");
        return 0;
    });
}
