// lssr-synth: writes a synthetic multi-sensor study area (see man/lssr-synth.1).
#include <string>
#include <vector>

#include "apps/common/tool.hpp"
#include "libio/core/errors.hpp"
#include "libsynth/study_area.hpp"

namespace {

std::vector<lssr::io::Date> parse_dates(const std::vector<std::string>& texts) {
    std::vector<lssr::io::Date> dates;
    for (const auto& text : texts) {
        const auto date = lssr::io::parse_date(text);
        if (!date) throw lssr::OptionError("--dates: '" + text + "' is not a date (YYYY-MM-DD)");
        dates.push_back(*date);
    }
    return dates;
}

}  // namespace

int main(int argc, char** argv) {
    lssr::app::Tool tool("lssr-synth",
                         "Write a synthetic study area: Sentinel-2 L2A 10 m truth, Landsat C2 L2 and HLS "
                         "L30/S30 scenes made from it, Sentinel-1 GRD, DEM, Dynamic World and CDL layers.");
    lssr::io::synth::StudyAreaOptions options;
    std::vector<std::string> dates;
    std::vector<double> origin;
    auto& cli = tool.cli();
    cli.add_option("-O,--output", options.output_dir, "Output folder (created; must not exist unless --overwrite)")
        ->required()
        ->type_name("DIR");
    cli.add_option("--seed", options.seed, "Random seed: the same seed gives the same files (default 1)")
        ->type_name("N");
    cli.add_option("--size", options.size_km, "Side of the square area in km, 1 to 20 (default 6)")
        ->type_name("KM");
    cli.add_option("--dates", dates, "Sentinel-2 dates, comma-separated YYYY-MM-DD")
        ->required()
        ->delimiter(',')
        ->type_name("DATE,...");
    cli.add_option("--clouds", options.cloud_fraction,
                   "Cloud fraction of each 30 m scene, 0 to 0.9 (default 0); the 10 m truth stays clear")
        ->type_name("FRACTION");
    cli.add_option("--origin", origin, "Upper-left corner X,Y in EPSG:32615, multiples of 30 m")
        ->delimiter(',')
        ->expected(2)
        ->type_name("X,Y");
    cli.add_option("--landscape", options.landscape,
                   "Landscape: iowa (default), smallfields, city, coast, forest, mountains, desert or mix")
        ->type_name("NAME");
    tool.add_overwrite_flag();

    return tool.run(argc, argv, [&] {
        options.dates = parse_dates(dates);
        options.overwrite = tool.common().overwrite;
        if (!origin.empty()) options.origin = std::array<double, 2>{origin[0], origin[1]};
        lssr::io::synth::validate(options);
        const auto summary = lssr::io::synth::generate_study_area(options, tool.progress());
        tool.info("wrote " + std::to_string(summary.files.size()) + " files (" + std::to_string(summary.fields) +
                  " fields) to " + options.output_dir);
        return 0;
    });
}
