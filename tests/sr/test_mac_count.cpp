// The multiply-add count that lssr-upscale --profile reports: exact for
// convolutions and matrix products, nested ops not counted twice.
#include <catch2/catch.hpp>
#include <torch/torch.h>

#include <thread>

#include "libsr/model/mac_count.hpp"

using lssr::sr::MacCounter;

TEST_CASE("a convolution counts output pixels x output channels x kernel x input channels", "[sr][profile]") {
    c10::InferenceMode inference;
    torch::nn::Conv2d conv(torch::nn::Conv2dOptions(3, 8, 3).padding(1));
    torch::nn::Conv2d strided(torch::nn::Conv2dOptions(8, 4, 3).stride(2).padding(1));
    const auto x = torch::rand({2, 3, 16, 16});
    MacCounter counter;
    const auto y = conv(x);
    CHECK(counter.macs() == 2LL * 8 * 16 * 16 * 3 * 9);
    strided(y);  // 16 -> 8
    CHECK(counter.macs() == 2LL * 8 * 16 * 16 * 3 * 9 + 2LL * 4 * 8 * 8 * 8 * 9);
}

TEST_CASE("linear layers and matrix products count once, not again inside", "[sr][profile]") {
    c10::InferenceMode inference;
    torch::nn::Linear linear(32, 10);
    const auto x = torch::rand({4, 7, 32});
    MacCounter counter;
    linear(x);  // linear -> matmul/addmm inside: counted once
    CHECK(counter.macs() == 4LL * 7 * 32 * 10);
    const auto a = torch::rand({3, 5, 6}), b = torch::rand({3, 6, 2});
    torch::matmul(a, b);
    CHECK(counter.macs() == 4LL * 7 * 32 * 10 + 3LL * 5 * 6 * 2);
    torch::relu(a);  // elementwise: not a MAC
    CHECK(counter.macs() == 4LL * 7 * 32 * 10 + 3LL * 5 * 6 * 2);
}

TEST_CASE("a counter counts its own thread only", "[sr][profile]") {
    c10::InferenceMode inference;
    const auto a = torch::rand({8, 8});
    MacCounter counter;
    std::thread other([&] {
        c10::InferenceMode guard;
        torch::mm(a, a);
    });
    other.join();
    CHECK(counter.macs() == 0);
    torch::mm(a, a);
    CHECK(counter.macs() == 512);
}
