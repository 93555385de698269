#pragma once
// LPIPS-VGG (Zhang et al. 2018) as the `lpips` package v0.1 computes it, the
// perceptual term of LSSR's training loss. Frozen: its weights never need
// gradients, but the distance is differentiable in both images.
//
// Weights come from ONE safetensors file holding
//   - the 13 VGG16 convolutions, named either as torchvision names them
//     (`features.{0,2,5,7,10,12,14,17,19,21,24,26,28}.{weight,bias}`) or as the
//     lpips package's own state_dict does (`net.slice1.0.weight`, `net.slice1.2`,
//     `net.slice2.5`, `net.slice2.7`, `net.slice3.{10,12,14}`, `net.slice4.{17,19,21}`,
//     `net.slice5.{24,26,28}`, each `.weight` and `.bias`);
//   - the 5 linear heads `lin{k}.model.1.weight` [1,C,1,1], k = 0..4 (the names in
//     lpips' weights/v0.1/vgg.pth; `lins.{k}.model.1.weight` is accepted too).
// Other tensors in the file (e.g. `scaling_layer.shift`) are ignored.
#include <torch/torch.h>

#include <string>
#include <vector>

namespace lssr::sr {

class Lpips {
public:
    // Throws lssr::InputError naming the file (and the tensor) when the file is
    // missing, truncated, lacks a tensor or holds one of the wrong shape.
    static Lpips load(const std::string& path);

    // Mean LPIPS distance over the batch: the training loss term. a, b are
    // [B,3,H,W] in [-1,1] (H, W >= 16: VGG halves them four times).
    torch::Tensor operator()(const torch::Tensor& a, const torch::Tensor& b) const;
    // Per-image distances [B] (what lpips.LPIPS returns, flattened).
    torch::Tensor distance(const torch::Tensor& a, const torch::Tensor& b) const;

private:
    struct Conv {
        torch::Tensor weight, bias;
    };
    // Features after relu1_2, relu2_2, relu3_3, relu4_3, relu5_3.
    std::vector<torch::Tensor> features(const torch::Tensor& x) const;

    std::vector<std::vector<Conv>> stages_;  // 5 stages of 2,2,3,3,3 convolutions
    std::vector<torch::Tensor> lins_;        // 5 heads [1,C,1,1]
};

}  // namespace lssr::sr
