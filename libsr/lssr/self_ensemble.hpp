#pragma once
// Self-ensemble (geometric test-time augmentation): the model run on a tile's
// flips (and, with 8 members, their transposes), each output mapped back and
// the outputs averaged. The result no longer depends on the scene's
// orientation, and the average of the members' different errors is closer to
// the ground than any one of them; it costs `members` forwards per tile.
#include "libsr/lssr/sr_model.hpp"

namespace lssr::sr {

// Sizes: 1 (the plain forward), 2 (+ left-right flip), 4 (+ up-down flip and
// both) or 8 (+ the transposes of those four); throws OptionError for another.
void check_self_ensemble_size(int members);

// The mean of the members' outputs, each mapped back onto the input's
// orientation; the side inputs are transformed with the tile. members == 1 is
// exactly model.forward(lr, side).
torch::Tensor forward_self_ensemble(SrModel& model, const torch::Tensor& lr, const SideTensors& side, int members);

}  // namespace lssr::sr
