// The training twin of lssr-upscale's consistency projection: the block means
// come out equal to the input, the result is what lssr-upscale's own
// projection makes of the same block, and gradients pass through it.
#include <catch2/catch.hpp>
#include <torch/torch.h>

#include <cmath>
#include <cstring>

#include "libio/gdal/raster.hpp"
#include "libupscale/consistency.hpp"
#include "libsr/lssr/model_input.hpp"
#include "libsr/train/projection.hpp"

using namespace lssr;
using namespace lssr::sr;

namespace {

// [1,C,H,W] tensor <-> planar RasterBlock.
io::RasterBlock to_block(const torch::Tensor& t) {
    const auto c = t.squeeze(0).contiguous();
    io::RasterBlock b(static_cast<int>(c.size(0)), static_cast<int>(c.size(2)), static_cast<int>(c.size(1)));
    std::memcpy(b.data.data(), c.data_ptr<float>(), b.data.size() * sizeof(float));
    return b;
}

torch::Tensor to_tensor(const io::RasterBlock& b) {
    auto t = torch::empty({1, b.bands, b.height, b.width});
    std::memcpy(t.data_ptr<float>(), b.data.data(), b.data.size() * sizeof(float));
    return t;
}

}  // namespace

TEST_CASE("consistent_projection makes every 3x3 block mean equal its input pixel", "[projection]") {
    torch::manual_seed(3);
    const auto lr = torch::rand({2, 6, 5, 7}) * 0.5 + 0.1;
    const auto sr = torch::rand({2, 6, 15, 21});
    const auto before = (torch::avg_pool2d(sr, {3, 3}, {3, 3}) - lr).abs().max().item<double>();
    REQUIRE(before > 0.05);
    const auto y = consistent_projection(sr, lr);
    CHECK((torch::avg_pool2d(y, {3, 3}, {3, 3}) - lr).abs().max().item<double>() < 1e-5);
    // An output that already agrees with its input is left as it is.
    CHECK((consistent_projection(y, lr) - y).abs().max().item<double>() < 1e-5);
}

TEST_CASE("consistent_projection gives what lssr-upscale's projection gives", "[projection]") {
    torch::manual_seed(4);
    // Values that keep the result above 3/4 of the darkest input, so
    // lssr-upscale's dark floor has nothing to do.
    const auto lr = torch::rand({1, 3, 6, 4}) * 0.1 + 0.45;
    const auto sr = upsample_x3(lr) + (torch::rand({1, 3, 18, 12}) - 0.5) * 0.1;
    auto hr_block = to_block(sr);
    project_consistent(hr_block, to_block(lr));
    const auto projected = consistent_projection(sr, lr);
    REQUIRE((projected - sr).abs().max().item<double>() > 1e-3);  // there was something to project
    CHECK((projected - to_tensor(hr_block)).abs().max().item<double>() < 1e-5);
}

TEST_CASE("consistent_projection passes gradients to the model output", "[projection]") {
    torch::manual_seed(5);
    const auto lr = torch::rand({1, 2, 4, 4});
    const auto target = torch::rand({1, 2, 12, 12});
    auto sr = torch::rand({1, 2, 12, 12}).requires_grad_(true);
    torch::mse_loss(consistent_projection(sr, lr), target).backward();
    REQUIRE(sr.grad().defined());
    CHECK(sr.grad().abs().sum().item<double>() > 0);
    // A change along a bilinear field U(v) is what the projection undoes, so
    // the gradient has no component along any: the networks learn the rest.
    const auto field = upsample_x3(torch::rand({1, 2, 4, 4}));
    CHECK(std::abs((sr.grad() * field).sum().item<double>()) < 1e-6);
}

TEST_CASE("consistent_projection refuses an output that is not 3x its input", "[projection]") {
    CHECK_THROWS(consistent_projection(torch::zeros({1, 6, 10, 12}), torch::zeros({1, 6, 4, 4})));
}
