#include "libsr/train/csd.hpp"

#include "libio/core/errors.hpp"

namespace lssr::sr {

namespace {

constexpr int64_t kTrainTimesteps = 1000;

torch::Tensor batch_of(const torch::Tensor& embeds, int64_t batch) {
    return embeds.size(0) == batch ? embeds : embeds.expand({batch, -1, -1});
}

}  // namespace

torch::Tensor sd_alphas_cumprod() {
    const auto betas = torch::linspace(std::sqrt(0.00085), std::sqrt(0.012), kTrainTimesteps, torch::kFloat32).pow(2);
    return torch::cumprod(1.0 - betas, 0);
}

CsdLoss::CsdLoss(UNet2DConditionModel frozen_unet, torch::Tensor positive_embeds, torch::Tensor negative_embeds,
                 CsdOptions options)
    : unet_(std::move(frozen_unet)),
      positive_(positive_embeds.detach().to(torch::kFloat32)),
      negative_(negative_embeds.detach().to(torch::kFloat32)),
      options_(options),
      alphas_cumprod_(sd_alphas_cumprod()) {
    if (!(options_.min_ratio >= 0.0 && options_.min_ratio < options_.max_ratio && options_.max_ratio <= 1.0) ||
        static_cast<int64_t>(kTrainTimesteps * options_.min_ratio) >=
            static_cast<int64_t>(kTrainTimesteps * options_.max_ratio))
        throw OptionError("CSD timestep ratios must satisfy 0 <= min < max <= 1 and leave at least one step, got " +
                          std::to_string(options_.min_ratio) + " and " + std::to_string(options_.max_ratio));
    const int64_t dim = unet_->config().cross_attention_dim;
    for (const auto* e : {&positive_, &negative_})
        if (e->dim() != 3 || e->size(2) != dim)
            throw OptionError("CSD prompt embeddings must be [B,M," + std::to_string(dim) + "] for this UNet");
    unet_->eval();
    for (auto& p : unet_->parameters()) p.set_requires_grad(false);
}

CsdStep CsdLoss::step(const torch::Tensor& latent, torch::Generator& gen) {
    const int64_t batch = latent.size(0);
    for (const auto* e : {&positive_, &negative_})
        TORCH_CHECK(e->size(0) == 1 || e->size(0) == batch, "CSD: prompt embeddings for ", e->size(0),
                    " samples but the latent batch is ", batch);
    CsdStep s;
    // Drawn in PiSA-SR's order: timesteps, then noise.
    s.timesteps = torch::randint(static_cast<int64_t>(kTrainTimesteps * options_.min_ratio),
                                 static_cast<int64_t>(kTrainTimesteps * options_.max_ratio), {batch}, gen,
                                 torch::TensorOptions().dtype(torch::kInt64));
    s.noise = torch::randn(latent.sizes(), gen, latent.options().requires_grad(false));
    const auto alpha = alphas_cumprod_.index_select(0, s.timesteps).to(latent.dtype()).view({-1, 1, 1, 1});
    const auto sqrt_alpha = alpha.sqrt();
    const auto sqrt_one_minus = (1.0 - alpha).sqrt();
    {
        torch::NoGradGuard no_grad;
        const auto z = latent.detach();
        const auto noisy = sqrt_alpha * z + sqrt_one_minus * s.noise;
        const auto eps = unet_->forward(torch::cat({noisy, noisy}), torch::cat({s.timesteps, s.timesteps}),
                                        torch::cat({batch_of(negative_, batch), batch_of(positive_, batch)}));
        const auto chunks = eps.chunk(2);
        const auto& eps_neg = chunks[0];
        const auto eps_cfg = eps_neg + options_.cfg * (chunks[1] - eps_neg);
        s.x0_real = (noisy - sqrt_one_minus * eps_cfg) / sqrt_alpha;
        s.x0_fake = (noisy - sqrt_one_minus * eps_neg) / sqrt_alpha;
        const auto w = (z - s.x0_real).abs().mean({1, 2, 3}, /*keepdim=*/true);
        s.grad = (s.x0_fake - s.x0_real) / w;
    }
    // PiSA-SR: F.mse_loss(latents, stopgrad(latents - grad)).
    s.loss = torch::mse_loss(latent, (latent - s.grad).detach());
    return s;
}

torch::Tensor CsdLoss::operator()(const torch::Tensor& latent, torch::Generator& gen) { return step(latent, gen).loss; }

}  // namespace lssr::sr
