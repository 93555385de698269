// The SAR head's window cross-attention computes softmax(q k^T / sqrt(d)) v
// per head, as the authors' SARFusion.py does, whatever the kernel layout.
#include <catch2/catch.hpp>
#include <torch/torch.h>

#include "libsr/lssr/sar_head.hpp"

TEST_CASE("window cross-attention is multi-head scaled dot-product attention of the optical on the SAR tokens",
          "[sr][sar]") {
    torch::NoGradGuard no_grad;
    torch::manual_seed(5);
    const int64_t N = 3, M = 16, C = 24, heads = 2, hd = C / heads;
    lssr::sr::WindowCrossAttention attn(C, heads);
    const auto opt = torch::randn({N, M, C}), sar = torch::randn({N, M, C});
    const auto got = attn->forward(opt, sar);

    // Head by head, token by token, from the layers' own weights.
    const auto q = attn->q(opt), k = attn->k(sar), v = attn->v(sar);
    auto expected = torch::zeros({N, M, C});
    for (int64_t n = 0; n < N; ++n)
        for (int64_t h = 0; h < heads; ++h) {
            const auto qh = q[n].slice(1, h * hd, (h + 1) * hd), kh = k[n].slice(1, h * hd, (h + 1) * hd),
                       vh = v[n].slice(1, h * hd, (h + 1) * hd);
            const auto weights = torch::softmax(qh.matmul(kh.t()) / std::sqrt(double(hd)), 1);
            expected[n].slice(1, h * hd, (h + 1) * hd).copy_(weights.matmul(vh));
        }
    expected = attn->proj(expected);
    REQUIRE(got.sizes() == expected.sizes());
    CHECK(torch::allclose(got, expected, 1e-5, 1e-6));
}

TEST_CASE("the SAR head keeps the image size, pads windows and cells and starts near the identity", "[sr][sar]") {
    torch::NoGradGuard no_grad;
    torch::manual_seed(6);
    for (int64_t stride : {1, 3}) {
        INFO("token stride " << stride);
        lssr::sr::SarHead head(3, 2, 24, 2, 1, 8, stride);
        const auto image = torch::rand({2, 3, 31, 44}) * 2 - 1;  // neither cells nor windows divide it
        const auto sar = torch::rand({2, 2, 31, 44}) * 2 - 1;
        const auto out = head->forward(image, sar);
        REQUIRE(out.sizes() == image.sizes());
        CHECK(torch::isfinite(out).all().item<bool>());
        // out = image + gamma * out_proj(...), gamma starting at 0.1.
        CHECK((out - image).abs().mean().item<double>() < 0.2);
        CHECK_FALSE(torch::equal(out, image));
    }
}

TEST_CASE("the SAR fusion block gives each window the same values whether windows go at once or in chunks",
          "[sr][sar]") {
    torch::NoGradGuard no_grad;
    torch::manual_seed(7);
    lssr::sr::CrossAttnBlock2D block(24, 2, 12);
    // 192 x 192 px: 256 windows per image, run in chunks; a 24 x 24 part: 4 windows, one chunk.
    const auto opt = torch::randn({2, 24, 192, 192}), sar = torch::randn({2, 24, 192, 192});
    const auto whole = block->forward(opt, sar);
    for (int64_t r : {0, 96, 168})
        for (int64_t c : {0, 72, 168}) {
            const auto part = block->forward(opt.slice(2, r, r + 24).slice(3, c, c + 24),
                                             sar.slice(2, r, r + 24).slice(3, c, c + 24));
            CHECK(torch::allclose(part, whole.slice(2, r, r + 24).slice(3, c, c + 24), 1e-5, 1e-6));
        }
}

TEST_CASE("the SAR head takes one S1 scene for both branches: the same as that scene given to each", "[sr][sar]") {
    torch::NoGradGuard no_grad;
    torch::manual_seed(8);
    for (int64_t stride : {1, 3}) {
        INFO("token stride " << stride);
        lssr::sr::SarHead head(3, 2, 24, 2, 1, 8, stride);
        // Two scenes, two branches each: image i is fused with scene i % 2.
        const auto image = torch::rand({4, 3, 48, 72}) * 2 - 1;
        const auto sar = torch::rand({2, 2, 48, 72}) * 2 - 1;
        const auto shared = head->forward(image, sar);
        const auto each = head->forward(image, torch::cat({sar, sar}, 0));
        CHECK(torch::allclose(shared, each, 1e-5, 1e-6));
        // And scene 1 alone gives image 1 and 3 what the pair did.
        const auto alone = head->forward(torch::stack({image[1], image[3]}), sar.slice(0, 1, 2));
        CHECK(torch::allclose(alone[0], shared[1], 1e-5, 1e-6));
        CHECK(torch::allclose(alone[1], shared[3], 1e-5, 1e-6));
    }
}

TEST_CASE("a SAR head on the 30 m grid works in whole 3x3 cells, one token per input pixel", "[sr][sar]") {
    torch::NoGradGuard no_grad;
    torch::manual_seed(9);
    lssr::sr::SarHead head(3, 2, 24, 2, 1, 8, 3);
    CHECK(head->shape().token_stride == 3);
    // 9x fewer tokens: the stem is a 3x3 convolution of stride 3, out_proj gives 27 values per token.
    CHECK(head->named_parameters()["opt_in.0.weight"].sizes() == torch::IntArrayRef({24, 3, 3, 3}));
    CHECK(head->named_parameters()["out_proj.weight"].sizes() == torch::IntArrayRef({27, 24, 1, 1}));
    const auto image = torch::rand({2, 3, 31, 44}) * 2 - 1;
    const auto sar = torch::rand({1, 2, 31, 44}) * 2 - 1;
    const auto out = head->forward(image, sar);
    // Tokens are whole cells: a change inside one window of cells (24 px) leaves
    // the output of the other windows as it was.
    auto changed = sar.clone();
    changed.slice(2, 0, 3).slice(3, 0, 3).add_(0.5);
    const auto moved = (head->forward(image, changed) - out).abs();
    CHECK(moved.slice(2, 0, 24).slice(3, 0, 24).max().item<double>() > 0);
    CHECK(moved.slice(2, 24).max().item<double>() == 0.0);
    CHECK(moved.slice(3, 24).max().item<double>() == 0.0);
}
