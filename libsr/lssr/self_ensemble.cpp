#include "libsr/lssr/self_ensemble.hpp"

#include <string>
#include <vector>

#include "libio/core/errors.hpp"

namespace lssr::sr {

namespace {

// One member of the group of flips and transposes of the image plane.
struct PlaneTransform {
    std::vector<int64_t> flip_dims;  // of [B,C,H,W]: 3 = left-right, 2 = up-down
    bool transpose = false;          // rows <-> columns, after the flips

    torch::Tensor apply(const torch::Tensor& x) const {
        if (!x.defined() || x.dim() != 4) return x;  // absent inputs and the month stay as they are
        auto y = flip_dims.empty() ? x : x.flip(flip_dims);
        return (transpose ? y.transpose(2, 3) : y).contiguous();
    }
    torch::Tensor invert(const torch::Tensor& x) const {
        auto y = transpose ? x.transpose(2, 3) : x;
        return (flip_dims.empty() ? y : y.flip(flip_dims)).contiguous();
    }
};

const std::vector<PlaneTransform>& members_in_order() {
    static const std::vector<PlaneTransform> all = {
        {{}, false},     {{3}, false},    {{2}, false}, {{2, 3}, false},
        {{}, true},      {{3}, true},     {{2}, true},  {{2, 3}, true},
    };
    return all;
}

}  // namespace

void check_self_ensemble_size(int members) {
    if (members != 1 && members != 2 && members != 4 && members != 8)
        throw OptionError("self-ensemble size must be 1, 2, 4 or 8, not " + std::to_string(members));
}

torch::Tensor forward_self_ensemble(SrModel& model, const torch::Tensor& lr, const SideTensors& side, int members) {
    check_self_ensemble_size(members);
    if (members == 1) return model.forward(lr, side);
    torch::Tensor sum;
    for (int k = 0; k < members; ++k) {
        const auto& t = members_in_order()[k];
        SideTensors turned = side;
        turned.dem = t.apply(side.dem);
        turned.landcover = t.apply(side.landcover);
        turned.s1 = t.apply(side.s1);
        const auto out = t.invert(model.forward(t.apply(lr), turned));
        sum = sum.defined() ? sum + out : out;
    }
    return sum / static_cast<double>(members);
}

}  // namespace lssr::sr
