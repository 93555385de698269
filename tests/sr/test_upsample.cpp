// diffusers' Upsample2D (nearest 2x, then a 3x3 convolution): inference on the
// CPU runs it as four phase convolutions of the input interleaved by a pixel
// shuffle; it must give what the upsampled image convolved gives, borders included.
#include <catch2/catch.hpp>
#include <torch/torch.h>

#include "libsr/model/resnet.hpp"

namespace {

torch::Tensor upsample_then_conv(lssr::sr::Upsample2D& up, const torch::Tensor& x) {
    const auto big = torch::upsample_nearest2d(x, {2 * x.size(2), 2 * x.size(3)});
    auto params = up->named_parameters();
    return torch::conv2d(big, params["conv.weight"], params["conv.bias"], 1, 1);
}

}  // namespace

TEST_CASE("Upsample2D in inference equals nearest 2x upsampling then its convolution", "[sr][model]") {
    torch::manual_seed(11);
    lssr::sr::Upsample2D up(16, lssr::sr::ParamOptions{});
    {
        torch::NoGradGuard no_grad;
        for (auto& p : up->parameters()) p.normal_(0, 0.1);
    }
    // 96 x 80: large enough for the phased form; 24 x 24: the plain one.
    for (auto [h, w] : {std::pair<int64_t, int64_t>{96, 80}, {24, 24}}) {
        INFO(h << " x " << w);
        const auto x = torch::randn({2, 16, h, w});
        torch::NoGradGuard no_grad;
        const auto got = up->forward(x, c10::nullopt);
        const auto want = upsample_then_conv(up, x);
        REQUIRE(got.sizes() == want.sizes());
        CHECK(torch::allclose(got, want, 1e-4, 1e-5));
        // The edges too, where the zero padding of the two forms must agree.
        CHECK(torch::allclose(got.select(2, 0), want.select(2, 0), 1e-4, 1e-5));
        CHECK(torch::allclose(got.select(3, 2 * w - 1), want.select(3, 2 * w - 1), 1e-4, 1e-5));
    }
    // With gradients the module keeps diffusers' ops, and the same values.
    const auto x = torch::randn({1, 16, 96, 96});
    const auto trained = up->forward(x, c10::nullopt);
    CHECK(trained.requires_grad());
    torch::NoGradGuard no_grad;
    CHECK(torch::allclose(trained, up->forward(x, c10::nullopt), 1e-4, 1e-5));
}
