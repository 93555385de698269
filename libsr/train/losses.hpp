#pragma once
// LSSR's pixel-space training losses, as the authors' train_lssr.py computes
// them (see the anchors: L2 on both branches, FFT log-amplitude loss, NDVI).
// LPIPS and CSD need frozen networks and live in lpips.hpp / csd.hpp.
#include <torch/torch.h>

namespace lssr::sr {

// Branch images are [B,3,H,W] in [-1,1] (RGB branch = red,green,blue; IR = nir,swir1,swir2).
torch::Tensor l2_loss(const torch::Tensor& pred, const torch::Tensor& target);  // mean squared error

// mean |log1p|fft2((x+1)/2)| - log1p|fft2((y+1)/2)|| (unnormalised fft2 over the last two dims)
torch::Tensor fft_loss(const torch::Tensor& pred, const torch::Tensor& target);

enum class NdviLossKind { L1, MSE };

// NDVI = (nir-red)/(nir+red+1e-6) on (x+1)/2; red = rgb channel 0, nir = ir channel 0.
// L1 is what the authors' code trains with; MSE is the paper's evaluation metric.
torch::Tensor ndvi_loss(const torch::Tensor& pred_rgb, const torch::Tensor& pred_ir,
                        const torch::Tensor& target_rgb, const torch::Tensor& target_ir,
                        NdviLossKind kind = NdviLossKind::L1);

// Radiometric consistency with the input (not in the paper; off by default):
// mean |scale x scale block mean of the SR - LR| over the LR values that are
// finite, in reflectance. sr is [B,C,scale*h,scale*w], lr is [B,C,h,w], both [0,1].
// It is lssr-eval's consistency_mae, so training can hold the output to the
// reflectance the sensor measured.
torch::Tensor consistency_loss(const torch::Tensor& sr_reflectance, const torch::Tensor& lr_reflectance,
                               int64_t scale = 3);

// The paper's / train_lssr.sh weights (L2 2, LPIPS 1, CSD 2, FFT 1, NDVI 20);
// consistency 0 (an addition of ours).
struct LossWeights {
    double l2 = 2.0, lpips = 1.0, csd = 2.0, fft = 1.0, ndvi = 20.0, consistency = 0.0;
    NdviLossKind ndvi_kind = NdviLossKind::L1;
};

}  // namespace lssr::sr
