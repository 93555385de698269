// PiSA-SR's CSD loss on the sd-tiny base: the schedule, the draws from the
// caller's generator, the x0 estimates recomputed by hand from those draws,
// and the defining property that d loss / d z = 2 * grad / numel.
#include <catch2/catch.hpp>
#include <torch/torch.h>

#include <ATen/CPUGeneratorImpl.h>

#include <cmath>

#include "libio/core/errors.hpp"
#include "libsr/model/base_model.hpp"
#include "libsr/train/csd.hpp"
#include "libsr/model/safetensors_torch.hpp"
#include "support.hpp"

using lssr::sr::CsdLoss;
using lssr::sr::CsdOptions;
using lssr::test::data_path;

namespace {

struct Fixture {
    lssr::sr::BaseModel base = lssr::sr::load_base_model(data_path("sd-tiny/base"));
    torch::Tensor positive = lssr::sr::load_float_tensor(
        lssr::sr::SafetensorsFile(data_path("sd-tiny/prompt_embedding.safetensors")), "prompt_embeds");
    torch::Tensor negative = [] {
        torch::manual_seed(21);
        return torch::randn({1, 77, 32});
    }();
};

torch::Generator generator(uint64_t seed) { return at::detail::createCPUGenerator(seed); }

torch::Tensor latent(int64_t batch = 2) {
    torch::manual_seed(9);
    return torch::randn({batch, 4, 8, 8});
}

double max_abs(const torch::Tensor& t) { return t.abs().max().item<double>(); }

}  // namespace

TEST_CASE("CSD uses SD's scaled-linear DDPM schedule", "[losses][csd]") {
    const auto ac = lssr::sr::sd_alphas_cumprod();
    REQUIRE(ac.size(0) == 1000);
    // cumprod(1 - beta_i), beta_i = (sqrt(b0) + i*(sqrt(b1)-sqrt(b0))/999)^2, in double.
    double prod = 1.0;
    for (int i = 0; i < 1000; ++i) {
        const double s = std::sqrt(0.00085) + i * (std::sqrt(0.012) - std::sqrt(0.00085)) / 999.0;
        prod *= 1.0 - s * s;
        if (i == 0 || i == 20 || i == 499 || i == 999) {
            INFO("t = " << i);
            CHECK(ac[i].item<double>() == Approx(prod).epsilon(1e-4));
        }
    }
    CHECK(ac[0].item<double>() == Approx(0.99915));
}

TEST_CASE("CSD with cfg 1 and one prompt for both sides is zero, as is its gradient", "[losses][csd]") {
    Fixture f;
    CsdOptions options;
    options.cfg = 1.0;
    CsdLoss csd(f.base.unet, f.positive, f.positive, options);
    auto z = latent().requires_grad_(true);
    auto gen = generator(3);
    const auto s = csd.step(z, gen);
    // Equal up to float rounding between the two halves of the UNet batch.
    CHECK(max_abs(s.x0_real - s.x0_fake) < 1e-5);
    CHECK(max_abs(s.x0_real) > 0.1);
    CHECK(s.loss.item<double>() < 1e-9);
    s.loss.backward();
    CHECK(max_abs(z.grad()) < 1e-7);
}

TEST_CASE("CSD recomputed by hand from the caller's generator", "[losses][csd]") {
    Fixture f;
    CsdLoss csd(f.base.unet, f.positive, f.negative);  // defaults: cfg 10, t in [20, 500)
    const auto z = latent();
    auto gen = generator(42);
    const auto s = csd.step(z, gen);

    // The same seed draws the same timesteps (PiSA's randint, then randn).
    auto again = generator(42);
    const auto t = torch::randint(20, 500, {2}, again, torch::kInt64);
    const auto eps = torch::randn(z.sizes(), again);
    CHECK(torch::equal(s.timesteps, t));
    CHECK(torch::equal(s.noise, eps));

    // x0 from each prompt, one sample at a time, with the schedule in double.
    torch::NoGradGuard no_grad;
    const auto ac = lssr::sr::sd_alphas_cumprod().to(torch::kFloat64);
    for (int64_t b = 0; b < 2; ++b) {
        INFO("sample " << b);
        const double a = ac[t[b].item<int64_t>()].item<double>();
        const auto zb = z.slice(0, b, b + 1);
        const auto noisy = std::sqrt(a) * zb + std::sqrt(1 - a) * eps.slice(0, b, b + 1);
        const auto tb = t.slice(0, b, b + 1);
        const auto eps_pos = f.base.unet->forward(noisy, tb, f.positive);
        const auto eps_neg = f.base.unet->forward(noisy, tb, f.negative);
        const auto x0_real = (noisy - std::sqrt(1 - a) * (eps_neg + 10.0 * (eps_pos - eps_neg))) / std::sqrt(a);
        const auto x0_fake = (noisy - std::sqrt(1 - a) * eps_neg) / std::sqrt(a);
        CHECK(max_abs(s.x0_real.slice(0, b, b + 1) - x0_real) < 1e-3 * (1 + max_abs(x0_real)));
        CHECK(max_abs(s.x0_fake.slice(0, b, b + 1) - x0_fake) < 1e-4 * (1 + max_abs(x0_fake)));
        const auto grad = (x0_fake - x0_real) / (zb - x0_real).abs().mean();
        CHECK(max_abs(s.grad.slice(0, b, b + 1) - grad) < 1e-3 * (1 + max_abs(grad)));
    }
    CHECK(s.loss.item<double>() == Approx(s.grad.pow(2).mean().item<double>()));
    CHECK(s.loss.item<double>() > 0.0);
}

TEST_CASE("CSD's gradient w.r.t. the latent is 2*grad/numel and a seed fixes the loss", "[losses][csd]") {
    Fixture f;
    CsdLoss csd(f.base.unet, f.positive, f.negative);
    auto z = latent().requires_grad_(true);
    auto gen = generator(7);
    const auto s = csd.step(z, gen);
    s.loss.backward();
    REQUIRE(z.grad().defined());
    CHECK(torch::allclose(z.grad(), 2 * s.grad / z.numel(), 1e-5, 1e-8));
    // The frozen UNet collects no gradient.
    for (const auto& p : f.base.unet->parameters()) {
        CHECK_FALSE(p.requires_grad());
        CHECK_FALSE(p.grad().defined());
    }

    auto same = generator(7);
    CHECK(csd(z.detach(), same).item<double>() == s.loss.item<double>());
    auto other = generator(8);
    CHECK(csd(z.detach(), other).item<double>() != s.loss.item<double>());
}

TEST_CASE("CSD draws timesteps from int(1000*min) up to but not including int(1000*max)", "[losses][csd]") {
    Fixture f;
    CsdOptions options;
    options.min_ratio = 0.25;
    options.max_ratio = 0.2515;  // int(251.5) = 251: one admissible step, 250
    CsdLoss narrow(f.base.unet, f.positive, f.negative, options);
    auto gen = generator(1);
    CHECK((narrow.step(latent(3), gen).timesteps == 250).all().item<bool>());

    CsdLoss wide(f.base.unet, f.positive, f.negative);
    const auto t = wide.step(torch::zeros({16, 4, 8, 8}), gen).timesteps;
    CHECK(t.min().item<int64_t>() >= 20);
    CHECK(t.max().item<int64_t>() < 500);

    options.max_ratio = 0.2505;  // int(250.5) = 250 = min: nothing to draw
    CHECK_THROWS_AS(CsdLoss(f.base.unet, f.positive, f.negative, options), lssr::OptionError);
    CHECK_THROWS_AS(CsdLoss(f.base.unet, torch::zeros({1, 77, 16}), f.negative), lssr::OptionError);
}
