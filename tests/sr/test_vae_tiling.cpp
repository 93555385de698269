// The VAE in overlapping tiles: images within one tile go through whole
// (bit-identical); larger ones are decoded tile by tile (each tile's
// normalisation and attention see that tile only) and blended.
#include <catch2/catch.hpp>
#include <torch/torch.h>

#include "libsr/lssr/vae_tiling.hpp"
#include "libsr/model/base_model.hpp"
#include "support.hpp"

using lssr::test::data_path;

namespace {

// A smooth latent, as the encoder gives for a real image.
torch::Tensor smooth_latent(int64_t h, int64_t w) {
    torch::manual_seed(3);
    auto z = torch::randn({1, 4, h / 4 + 1, w / 4 + 1});
    return torch::nn::functional::interpolate(
        z, torch::nn::functional::InterpolateFuncOptions().size(std::vector<int64_t>{h, w}).mode(torch::kBilinear).align_corners(true));
}

}  // namespace

TEST_CASE("VAE tiling leaves images of one tile or less untouched", "[sr][vae][tiling]") {
    torch::NoGradGuard no_grad;
    auto base = lssr::sr::load_base_model(data_path("sd-tiny/base"));
    const auto z = smooth_latent(24, 24);  // 192 px out: the default tile's
    const auto whole = base.vae->decode(z);
    CHECK(torch::equal(lssr::sr::decode_tiled(*base.vae, z, {}), whole));
    CHECK(torch::equal(lssr::sr::decode_tiled(*base.vae, z, {192, 48}), whole));
    const auto x = whole.clamp(-1, 1);
    CHECK(torch::equal(lssr::sr::encode_mean_tiled(*base.vae, x, {}), base.vae->encode(x).mean));
}

TEST_CASE("the VAE gives a batch the images it gives each image alone", "[sr][vae][tiling]") {
    torch::NoGradGuard no_grad;
    auto base = lssr::sr::load_base_model(data_path("sd-tiny/base"));
    const auto z = torch::cat({smooth_latent(24, 24), -smooth_latent(24, 24), 0.5 * smooth_latent(24, 24)}, 0);
    const auto batch = lssr::sr::decode_tiled(*base.vae, z, {});
    for (int64_t i = 0; i < 3; ++i) {
        INFO("image " << i);
        CHECK(torch::equal(batch[i], lssr::sr::decode_tiled(*base.vae, z.slice(0, i, i + 1), {})[0]));
    }
    // And what the whole batch in one call gives, to rounding (other kernels: 2e-5 of 3.4).
    INFO("max difference " << (batch - base.vae->decode(z)).abs().max().item<double>() << " of " << batch.abs().max().item<double>());
    CHECK(torch::allclose(batch, base.vae->decode(z), 1e-4, 1e-4));
    const auto x = batch.clamp(-1, 1);
    CHECK(torch::allclose(lssr::sr::encode_mean_tiled(*base.vae, x, {}), base.vae->encode(x).mean, 1e-4, 1e-4));
}

TEST_CASE("VAE tiling decodes each tile on its own and blends the overlaps", "[sr][vae][tiling]") {
    torch::NoGradGuard no_grad;
    auto base = lssr::sr::load_base_model(data_path("sd-tiny/base"));
    const lssr::sr::VaeTiling tiling{128, 32};  // 16-pixel latent tiles stepping by 12
    const auto z = smooth_latent(40, 56);       // 320 x 448 px: 3 x 4 tiles
    const auto tiled = lssr::sr::decode_tiled(*base.vae, z, tiling);
    REQUIRE(tiled.sizes() == torch::IntArrayRef({1, 3, 320, 448}));
    CHECK(torch::isfinite(tiled).all().item<bool>());
    CHECK_FALSE(torch::equal(tiled, base.vae->decode(z)));  // it did cut
    auto part = [](const torch::Tensor& t, int64_t r0, int64_t r1, int64_t c0, int64_t c1) {
        return t.slice(2, r0, r1).slice(3, c0, c1);
    };
    // Where one tile alone covers the image, the output is that tile's decode.
    const auto first = base.vae->decode(part(z, 0, 16, 0, 16));
    CHECK(torch::allclose(part(tiled, 0, 96, 0, 96), part(first, 0, 96, 0, 96), 1e-5, 1e-6));
    // Where the first two tiles of the top row overlap (image columns 96..128,
    // rows above the next tile row), the output lies between their decodes.
    const auto second = base.vae->decode(part(z, 0, 16, 12, 28));
    const auto a = part(first, 0, 96, 96, 128), b = part(second, 0, 96, 0, 32);
    const auto mixed = part(tiled, 0, 96, 96, 128);
    CHECK((mixed >= torch::minimum(a, b) - 1e-5).all().item<bool>());
    CHECK((mixed <= torch::maximum(a, b) + 1e-5).all().item<bool>());
    // The blend moves from the first tile to the second across the overlap.
    const double near_first = (part(mixed, 0, 96, 0, 4) - part(a, 0, 96, 0, 4)).abs().mean().item<double>();
    const double near_second = (part(mixed, 0, 96, 28, 32) - part(b, 0, 96, 28, 32)).abs().mean().item<double>();
    const double apart = (a - b).abs().mean().item<double>();
    CHECK(near_first < 0.25 * apart);
    CHECK(near_second < 0.25 * apart);

    // The encoder the same way: one tile alone gives that tile's mean.
    const auto x = tiled.clamp(-1, 1);
    const auto mean_tiled = lssr::sr::encode_mean_tiled(*base.vae, x, tiling);
    REQUIRE(mean_tiled.sizes() == z.sizes());
    const auto mean_first = base.vae->encode(part(x, 0, 128, 0, 128)).mean;
    CHECK(torch::allclose(part(mean_tiled, 0, 12, 0, 12), part(mean_first, 0, 12, 0, 12), 1e-5, 1e-6));
}
