// lssr-upscale --self-ensemble: the averaged forward of a tile's flips and
// transposes gives the plain forward with one member, and with 2/4/8 members
// an output that turns with its input (side inputs turned along).
#include <catch2/catch.hpp>
#include <torch/torch.h>

#include <functional>

#include "libio/core/errors.hpp"
#include "libsr/lssr/self_ensemble.hpp"
#include "default_model.hpp"
#include "support.hpp"

using namespace lssr;

namespace {

// A 16x16 tile with a bright diagonal ramp (no symmetry of its own) and side
// inputs on its 48x48 output grid.
struct Tile {
    torch::Tensor lr;
    sr::SideTensors side;
    Tile() {
        torch::manual_seed(5);
        const auto r = torch::arange(16, torch::kFloat32).view({1, 1, 16, 1});
        const auto c = torch::arange(16, torch::kFloat32).view({1, 1, 1, 16});
        lr = (0.05 + 0.012 * r + 0.004 * c + 0.05 * torch::rand({1, 6, 16, 16})).contiguous();
        side.dem = (100 + 3 * torch::arange(48, torch::kFloat32).view({1, 1, 48, 1}) +
                    torch::zeros({1, 1, 48, 48})).contiguous();
        side.landcover = torch::randint(0, 9, {1, 1, 48, 48}).to(torch::kFloat32);
        side.s1 = (-12 + torch::rand({1, 2, 48, 48})).contiguous();
        side.month = torch::full({1}, 7, torch::kInt64);
    }
};

sr::SideTensors turned(const sr::SideTensors& s, const std::function<torch::Tensor(const torch::Tensor&)>& f) {
    sr::SideTensors t = s;
    t.dem = f(s.dem);
    t.landcover = f(s.landcover);
    t.s1 = f(s.s1);
    return t;
}

}  // namespace

TEST_CASE("A self-ensemble of one is the model's own forward", "[sr][self_ensemble]") {
    auto model = test::load_default_model();
    Tile tile;
    c10::InferenceMode inference;
    const auto plain = model->forward(tile.lr, tile.side);
    const auto one = sr::forward_self_ensemble(*model, tile.lr, tile.side, 1);
    CHECK(torch::equal(plain, one));
}

TEST_CASE("A self-ensemble's output turns with its input", "[sr][self_ensemble]") {
    auto model = test::load_default_model();
    Tile tile;
    c10::InferenceMode inference;
    const auto lr_flip = [](const torch::Tensor& x) { return x.flip({3}).contiguous(); };
    const auto transpose = [](const torch::Tensor& x) { return x.transpose(2, 3).contiguous(); };

    SECTION("2 members: a left-right flip") {
        const auto out = sr::forward_self_ensemble(*model, tile.lr, tile.side, 2);
        const auto of_flipped = sr::forward_self_ensemble(*model, lr_flip(tile.lr), turned(tile.side, lr_flip), 2);
        CHECK(torch::allclose(lr_flip(out), of_flipped, 0, 1e-5));
        // The plain model does not commute with the flip: the property is the ensemble's.
        const auto plain = model->forward(tile.lr, tile.side);
        const auto plain_flipped = model->forward(lr_flip(tile.lr), turned(tile.side, lr_flip));
        CHECK((lr_flip(plain) - plain_flipped).abs().max().item<float>() > 1e-4);
    }
    SECTION("8 members: a transpose") {
        const auto out = sr::forward_self_ensemble(*model, tile.lr, tile.side, 8);
        const auto of_turned = sr::forward_self_ensemble(*model, transpose(tile.lr), turned(tile.side, transpose), 8);
        CHECK(torch::allclose(transpose(out), of_turned, 0, 1e-5));
    }
    SECTION("the side inputs turn with the tile") {
        // Turning the tile but not its DEM, land cover and S1 gives another output.
        const auto of_flipped = sr::forward_self_ensemble(*model, lr_flip(tile.lr), turned(tile.side, lr_flip), 2);
        const auto side_unturned = sr::forward_self_ensemble(*model, lr_flip(tile.lr), tile.side, 2);
        CHECK((of_flipped - side_unturned).abs().max().item<float>() > 1e-6);
    }
}

TEST_CASE("A self-ensemble of another size is refused", "[sr][self_ensemble]") {
    auto model = test::load_default_model();
    Tile tile;
    c10::InferenceMode inference;
    CHECK_THROWS_AS(sr::forward_self_ensemble(*model, tile.lr, tile.side, 3), OptionError);
    CHECK_THROWS_AS(sr::check_self_ensemble_size(0), OptionError);
}
