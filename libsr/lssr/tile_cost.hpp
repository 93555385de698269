#pragma once
// The model's work on one tile: multiply-accumulates of one forward on a
// tile x tile LR tile (libsr/model/mac_count.hpp), with the side inputs that
// a run has, counted on a synthetic tile (the count depends on shapes only).
#include <cstdint>

#include "libio/core/stage_profile.hpp"
#include "libsr/lssr/sr_model.hpp"

namespace lssr::sr {

struct SideInputsPresent {
    bool dem = false, landcover = false, s1 = false;
    int month = 0;
};

struct TileCost {
    int64_t macs = 0;           // one forward
    int64_t output_pixels = 0;  // (3 tile)^2
    double macs_per_output_pixel() const { return output_pixels ? double(macs) / output_pixels : 0; }
};

// stage_macs (optional) receives the multiply-adds of each stage (vae_encode, unet, ...).
TileCost measure_tile_cost(SrModel& model, int tile, const SideInputsPresent& side,
                           StageProfile* stage_macs = nullptr);

}  // namespace lssr::sr
