#pragma once
// PiSA-SR's Classifier Score Distillation loss (pisasr.py::CSDLoss, used
// unchanged by LSSR on the RGB latent): a frozen text-conditioned SD UNet
// scores the predicted latent; the loss pulls it towards what classifier-free
// guidance prefers. Its value is mean(grad^2) and its gradient w.r.t. the
// latent is exactly 2*grad/numel, grad = (x0_fake - x0_real) / mean|z - x0_real|.
#include <torch/torch.h>

#include "libsr/model/unet.hpp"

namespace lssr::sr {

struct CsdOptions {
    double cfg = 10.0;        // LSSR's --cfg_csd (PiSA-SR's script uses 7.5)
    double min_ratio = 0.02;  // t ~ randint[int(1000*min_ratio), int(1000*max_ratio))
    double max_ratio = 0.5;
};

// SD's DDPM schedule: betas = linspace(sqrt(0.00085), sqrt(0.012), 1000)^2,
// alphas_cumprod = cumprod(1 - betas), float32 as diffusers computes it.
torch::Tensor sd_alphas_cumprod();

// Everything one CSD evaluation computed (for tests and diagnostics).
struct CsdStep {
    torch::Tensor timesteps;  // [B] int64
    torch::Tensor noise;      // eps, like the latent
    torch::Tensor x0_real;    // from the guided noise prediction (no grad)
    torch::Tensor x0_fake;    // from the negative-prompt prediction (no grad)
    torch::Tensor grad;       // (x0_fake - x0_real) / w (no grad)
    torch::Tensor loss;       // MSE(z, stopgrad(z - grad)): differentiable in z
};

class CsdLoss {
public:
    // The UNet is frozen here (eval, no parameter gradients). Embeddings are
    // [1 or B, M, cross_attention_dim]; a batch of one is shared by all samples.
    CsdLoss(UNet2DConditionModel frozen_unet, torch::Tensor positive_embeds, torch::Tensor negative_embeds,
            CsdOptions options = {});

    // latent: [B,4,h,w] scaled SD latent (the one-step model's output). Draws t
    // then the noise from `gen`, so a fixed seed gives a fixed loss.
    torch::Tensor operator()(const torch::Tensor& latent, torch::Generator& gen);
    CsdStep step(const torch::Tensor& latent, torch::Generator& gen);

    const CsdOptions& options() const { return options_; }

private:
    UNet2DConditionModel unet_;
    torch::Tensor positive_, negative_;
    CsdOptions options_;
    torch::Tensor alphas_cumprod_;
};

}  // namespace lssr::sr
