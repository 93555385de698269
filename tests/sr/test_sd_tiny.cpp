// The LibTorch VAE and UNet reproduce diffusers' own outputs on sd-tiny, a
// random-weight SD-2.x-family base (tests/data/sd-tiny/README.md), to 1e-4.
#include <catch2/catch.hpp>
#include <torch/torch.h>

#include "libsr/model/base_model.hpp"
#include "libsr/model/safetensors_torch.hpp"
#include "support.hpp"

using lssr::test::data_path;

namespace {

constexpr double kTolerance = 1e-4;

struct Fixture {
    lssr::sr::BaseModel model = lssr::sr::load_base_model(data_path("sd-tiny/base"));
    lssr::sr::SafetensorsFile ref{data_path("sd-tiny/ref.safetensors")};
    lssr::sr::SafetensorsFile prompt{data_path("sd-tiny/prompt_embedding.safetensors")};
    torch::Tensor get(const std::string& name) const { return lssr::sr::load_float_tensor(ref, name); }
};

double max_abs_error(const torch::Tensor& got, const torch::Tensor& want) {
    REQUIRE(got.sizes() == want.sizes());
    return (got - want).abs().max().item<double>();
}

}  // namespace

TEST_CASE("sd-tiny: VAE posterior mean x scaling factor matches diffusers", "[sr][model]") {
    torch::NoGradGuard no_grad;
    Fixture f;
    CHECK(f.model.scaling_factor == Approx(0.18215));
    const auto mean = f.model.vae->encode(f.get("vae_encode_in")).mean * f.model.scaling_factor;
    const double err = max_abs_error(mean, f.get("vae_encode_mean_scaled"));
    CHECK(err < kTolerance);
}

TEST_CASE("sd-tiny: VAE decode matches diffusers", "[sr][model]") {
    torch::NoGradGuard no_grad;
    Fixture f;
    const auto image = f.model.vae->decode(f.get("vae_decode_in_scaled") / f.model.scaling_factor);
    const double err = max_abs_error(image, f.get("vae_decode_out"));
    CHECK(err < kTolerance);
}

TEST_CASE("sd-tiny: UNet noise prediction at t=1 and t=999 matches diffusers", "[sr][model]") {
    torch::NoGradGuard no_grad;
    Fixture f;
    const auto context = lssr::sr::load_float_tensor(f.prompt, "prompt_embeds");
    const auto latent = f.get("unet_in");
    for (const int64_t t : {1, 999}) {
        INFO("timestep " << t);
        const auto eps = f.model.unet->forward(latent, torch::tensor(t), context);
        const double err = max_abs_error(eps, f.get("unet_out_t" + std::to_string(t)));
        CHECK(err < kTolerance);
    }
}

TEST_CASE("sd-tiny: the UNet keeps odd latent sizes and treats batch items independently", "[sr][model]") {
    torch::NoGradGuard no_grad;
    Fixture f;
    const auto context = lssr::sr::load_float_tensor(f.prompt, "prompt_embeds");
    torch::manual_seed(3);
    const auto odd = torch::randn({1, 4, 13, 10});
    CHECK(f.model.unet->forward(odd, torch::tensor(1), context).sizes() == odd.sizes());

    // Two latents at two timesteps in one batch give what they give alone.
    const auto a = f.get("unet_in");
    const auto b = torch::randn_like(a);
    const auto batch = f.model.unet->forward(torch::cat({a, b}), torch::tensor({1, 999}), context.expand({2, -1, -1}));
    const auto alone_a = f.model.unet->forward(a, torch::tensor(1), context);
    const auto alone_b = f.model.unet->forward(b, torch::tensor(999), context);
    CHECK(max_abs_error(batch.slice(0, 0, 1), alone_a) < 1e-5);
    CHECK(max_abs_error(batch.slice(0, 1, 2), alone_b) < 1e-5);
    CHECK(max_abs_error(alone_a, f.get("unet_out_t1")) < kTolerance);
}

TEST_CASE("sd-tiny: VAE encode and decode keep the 8x factor on non-square inputs", "[sr][model]") {
    torch::NoGradGuard no_grad;
    Fixture f;
    const auto image = torch::rand({2, 3, 48, 72}) * 2 - 1;
    const auto posterior = f.model.vae->encode(image);
    CHECK(posterior.mean.sizes() == torch::IntArrayRef({2, 4, 6, 9}));
    CHECK(posterior.logvar.max().item<float>() <= 20.f);
    CHECK(posterior.logvar.min().item<float>() >= -30.f);
    CHECK(f.model.vae->decode(posterior.mean).sizes() == image.sizes());
}
