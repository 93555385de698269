#include "libeval/panels.hpp"

#include <filesystem>
#include <map>

#include "libio/core/errors.hpp"
#include "libeval/quicklook.hpp"
#include "libio/gdal/staged_output.hpp"

namespace fs = std::filesystem;

namespace lssr::io {

std::vector<std::string> sample_panel_paths(const std::string& prefix, const std::string& sample) {
    return quicklook_paths(prefix + "_" + sample);
}

void prepare_sample_panels(const std::vector<SampleFiles>& samples, const std::string& prefix, bool overwrite) {
    const auto folder = fs::path(prefix).parent_path();
    if (!folder.empty()) fs::create_directories(folder);
    for (const auto& s : samples)
        for (const auto& p : sample_panel_paths(prefix, s.name)) check_can_write(p, overwrite);
}

void write_sample_panels(const std::vector<SampleFiles>& samples, const std::vector<std::string>& baselines,
                         const std::string& ref, const std::string& prefix, bool overwrite,
                         const Progress& progress) {
    // Sample name -> file, per baseline.
    std::vector<std::map<std::string, std::string>> baseline_files;
    for (const std::string& baseline : baselines) {
        std::vector<std::string> unmatched;  // extra files of a baseline folder do not matter
        const auto matched = match_samples(baseline, ref, "", unmatched);
        std::map<std::string, std::string> files;
        if (samples.size() == 1 && matched.size() == 1) files[samples[0].name] = matched[0].pred;
        else
            for (const auto& m : matched) files[m.name] = m.pred;
        for (const auto& s : samples)
            if (!files.count(s.name)) throw InputError(baseline + ": no file for sample " + s.name);
        baseline_files.push_back(std::move(files));
    }
    prepare_sample_panels(samples, prefix, overwrite);
    for (size_t i = 0; i < samples.size(); ++i) {
        const SampleFiles& s = samples[i];
        std::vector<RasterBlock> blocks;
        Grid grid;
        if (!s.lr.empty()) blocks.push_back(read_reflectance(s.lr, grid));
        for (const auto& files : baseline_files) blocks.push_back(read_reflectance(files.at(s.name), grid));
        blocks.push_back(read_reflectance(s.pred, grid));
        blocks.push_back(read_reflectance(s.ref, grid));
        write_panels(blocks, prefix + "_" + s.name, overwrite);
        report(progress, double(i + 1) / samples.size());
    }
}

}  // namespace lssr::io
