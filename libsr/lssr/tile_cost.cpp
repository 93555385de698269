#include "libsr/lssr/tile_cost.hpp"

#include "libio/core/scale.hpp"
#include "libsr/model/mac_count.hpp"

namespace lssr::sr {

TileCost measure_tile_cost(SrModel& model, int tile, const SideInputsPresent& side, StageProfile* stage_macs) {
    c10::InferenceMode inference;
    const int64_t hr = static_cast<int64_t>(tile) * kScaleFactor;
    torch::manual_seed(0);
    const auto lr = torch::rand({1, kTileBands, tile, tile}) * 0.3 + 0.02;
    SideTensors aux;
    if (side.dem) aux.dem = torch::full({1, 1, hr, hr}, 100.0f);
    if (side.landcover) aux.landcover = torch::full({1, 1, hr, hr}, 1.0f);
    if (side.s1) aux.s1 = torch::full({1, 2, hr, hr}, -12.0f);
    aux.month = torch::full({1}, static_cast<int64_t>(side.month), torch::kInt64);
    model.set_mac_profile(stage_macs);
    MacCounter counter;
    model.forward(lr, aux);
    model.set_mac_profile(nullptr);
    return TileCost{counter.macs(), hr * hr};
}

}  // namespace lssr::sr
