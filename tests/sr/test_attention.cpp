// scaled_dot_product runs long query sequences in passes of rows (so the scores
// stay small enough to be reused rather than faulted in fresh); every pass must
// give the rows one softmax(q k^T / sqrt(d)) v over all keys gives.
#include <catch2/catch.hpp>
#include <torch/torch.h>

#include <cmath>

#include "libsr/model/attention.hpp"

namespace {

torch::Tensor one_pass(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v) {
    const auto scores = torch::matmul(q, k.transpose(-1, -2)) / std::sqrt(static_cast<double>(q.size(-1)));
    return torch::matmul(torch::softmax(scores, -1), v);
}

}  // namespace

TEST_CASE("attention in passes of query rows equals one softmax over all keys", "[sr][model]") {
    torch::manual_seed(5);
    torch::NoGradGuard no_grad;
    // [B, heads, N, d]: 2 x 4 x 2304 x 576 keys makes 42 MB of scores, many passes;
    // 24 queries against 7 keys (cross-attention on a prompt) is a single pass.
    for (auto [n, m] : {std::pair<int64_t, int64_t>{2304, 576}, {24, 7}}) {
        INFO(n << " queries, " << m << " keys");
        const auto q = torch::randn({2, 4, n, 8}) * 3, k = torch::randn({2, 4, m, 8}) * 3;
        const auto v = torch::randn({2, 4, m, 6});
        const auto got = lssr::sr::scaled_dot_product(q, k, v);
        REQUIRE(got.sizes() == torch::IntArrayRef({2, 4, n, 6}));
        const auto want = one_pass(q, k, v);
        INFO("max difference " << (got - want).abs().max().item<float>());
        CHECK(torch::allclose(got, want, 1e-4, 1e-5));
    }
    // The VAE's single head, [B, 1, HW, C], and a 3-D [B, N, d] input keep their shapes.
    const auto q = torch::randn({1, 1, 4096, 16});
    CHECK(torch::allclose(lssr::sr::scaled_dot_product(q, q, q), one_pass(q, q, q), 1e-5, 1e-6));
    const auto q3 = torch::randn({3, 500, 8});
    CHECK(lssr::sr::scaled_dot_product(q3, q3, q3).sizes() == q3.sizes());
}
