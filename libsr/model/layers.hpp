#pragma once
// Minimal Conv2d / Linear / GroupNorm / LayerNorm whose parameters are made with
// given TensorOptions: on the meta device a whole SD UNet can be built to list
// its tensors without allocating 3.5 GB. Parameters start at zero (CPU) and are
// meant to be filled from a checkpoint; names are PyTorch's ("weight", "bias").
#include <torch/torch.h>

#include <string>
#include <vector>

namespace lssr::sr {

// Where and how parameters are created (default: float32 on the CPU).
struct ParamOptions {
    torch::TensorOptions tensor = torch::TensorOptions().dtype(torch::kFloat32);
    static ParamOptions meta() { return {torch::TensorOptions().dtype(torch::kFloat32).device(c10::Device(c10::DeviceType::Meta))}; }
};

// A PEFT LoRA adapter on one layer: out += scaling * B(A(x)), with A a
// Linear [r,in] or a Conv2d [r,in,k,k] of the base layer's kernel, stride and
// padding, and B a Linear [out,r] or a 1x1 Conv2d [out,r,1,1]. Kept outside the
// module's registered parameters so base checkpoints load unchanged.
struct LoraDelta {
    std::string adapter;  // PEFT adapter name, e.g. "default_encoder_pix"
    torch::Tensor A, B;
    double scaling = 1.0;  // lora_alpha / r
    bool active = true;
};

class Conv2dImpl : public torch::nn::Module {
public:
    Conv2dImpl(int64_t in, int64_t out, int64_t kernel, int64_t stride, int64_t padding,
               const ParamOptions& options, bool bias = true);
    torch::Tensor forward(const torch::Tensor& x);
    torch::Tensor weight, bias;
    std::vector<LoraDelta> lora;
    int64_t stride() const { return stride_; }
    int64_t padding() const { return padding_; }

private:
    int64_t stride_, padding_;
};
TORCH_MODULE(Conv2d);

class LinearImpl : public torch::nn::Module {
public:
    LinearImpl(int64_t in, int64_t out, const ParamOptions& options, bool bias = true);
    torch::Tensor forward(const torch::Tensor& x);
    torch::Tensor weight, bias;
    std::vector<LoraDelta> lora;
};
TORCH_MODULE(Linear);

class GroupNormImpl : public torch::nn::Module {
public:
    GroupNormImpl(int64_t groups, int64_t channels, double eps, const ParamOptions& options);
    torch::Tensor forward(const torch::Tensor& x);
    // silu(forward(x)), the pre-activation of every diffusers ResNet and
    // output head. In inference SiLU runs in place on the norm's fresh output:
    // a second full-size tensor per call cost 4x the norm itself on CPU
    // (allocation and page faults). With autograd it stays out of place.
    torch::Tensor forward_silu(const torch::Tensor& x);
    torch::Tensor weight, bias;

private:
    int64_t groups_;
    double eps_;
};
TORCH_MODULE(GroupNorm);

class LayerNormImpl : public torch::nn::Module {
public:
    LayerNormImpl(int64_t dim, double eps, const ParamOptions& options);
    torch::Tensor forward(const torch::Tensor& x);
    torch::Tensor weight, bias;

private:
    int64_t dim_;
    double eps_;
};
TORCH_MODULE(LayerNorm);

// A parameter-free placeholder that keeps diffusers' list indices (its
// Dropout at to_out.1 and ff.net.1); inference has no dropout.
class PlaceholderImpl : public torch::nn::Module {};
TORCH_MODULE(Placeholder);

}  // namespace lssr::sr
