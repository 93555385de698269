#pragma once
// The provenance lssr-upscale writes into each output's dataset metadata: the
// tool, the model and the hash of its files, the run's tiling, the scene it
// came from, the scale factor and the acquisition month and date. No LibTorch here.
#include <cstdint>
#include <map>
#include <string>

#include "libupscale/lr_scene.hpp"
#include "libupscale/scene_upscale.hpp"

namespace lssr::sr {

// What produced an output, as the tool knows it.
struct RunProvenance {
    std::string tool;          // the tool's version string
    std::string model;         // what the model is called (LoadedModel::name)
    std::string model_sha256;  // of every file its weights came from
    int64_t timestep = 1;      // the model's UNet timestep
};

// The acquisition month of a scene: `given` (--month, 1-12) when not 0, else
// the month of the scene's date, else 0 (unknown).
int acquisition_month(const LrScene& scene, int given);

// LSSR_TOOL, LSSR_MODEL, LSSR_MODEL_SHA256, LSSR_TIMESTEP, LSSR_TILE,
// LSSR_OVERLAP, LSSR_SOURCE (the scene ID, else `input` as given),
// LSSR_SCALE_FACTOR, and LSSR_MONTH (when `month` is not 0) and
// ACQUISITION_DATE (when the scene has a date).
std::map<std::string, std::string> upscale_metadata(const RunProvenance& run, const UpscaleOptions& options,
                                                    const LrScene& scene, const std::string& input, int month);

}  // namespace lssr::sr
