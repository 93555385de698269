// The LibTorch VAE and UNet reproduce diffusers' own outputs on sd-tiny, a
// random-weight SD-2.x-family base (tests/data/sd-tiny/README.md), to 1e-4.
#include <catch2/catch.hpp>
#include <torch/torch.h>

#include "libsr/base_model.hpp"
#include "libsr/safetensors_torch.hpp"
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
