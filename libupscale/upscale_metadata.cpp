#include "libupscale/upscale_metadata.hpp"

#include "libio/core/dates.hpp"
#include "libio/core/scale.hpp"

namespace lssr::sr {

int acquisition_month(const LrScene& scene, int given) {
    if (given) return given;
    if (const auto date = io::parse_date(scene.ref.date)) return date->month;
    return 0;
}

std::map<std::string, std::string> upscale_metadata(const RunProvenance& run, const UpscaleOptions& options,
                                                    const LrScene& scene, const std::string& input, int month) {
    std::map<std::string, std::string> out = {
        {"LSSR_TOOL", run.tool},
        {"LSSR_MODEL", run.model},
        {"LSSR_MODEL_SHA256", run.model_sha256},
        {"LSSR_TIMESTEP", std::to_string(run.timestep)},
        {"LSSR_TILE", std::to_string(options.tile)},
        {"LSSR_OVERLAP", std::to_string(options.overlap)},
        {"LSSR_SOURCE", scene.ref.id.empty() ? input : scene.ref.id},
        {"LSSR_SCALE_FACTOR", std::to_string(kScaleFactor)},
    };
    if (month) out["LSSR_MONTH"] = std::to_string(month);
    if (!scene.ref.date.empty()) out["ACQUISITION_DATE"] = scene.ref.date;
    return out;
}

}  // namespace lssr::sr
