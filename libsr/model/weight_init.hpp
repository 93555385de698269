#pragma once
// Fresh weights for training from scratch, as PyTorch initialises its layers
// (which is what diffusers' models start from): Conv2d/Linear weights
// kaiming-uniform with a = sqrt(5) (bound 1/sqrt(fan_in)), biases uniform in
// +-1/sqrt(fan_in), norms weight 1 and bias 0. Seeded, so a run is repeatable.
#include <torch/torch.h>

#include <cstdint>

namespace lssr::sr {

// Initialises the suite's own layers (Conv2d, Linear, GroupNorm, LayerNorm)
// anywhere in `module`; LibTorch's own layers keep their constructor's init.
void init_weights(torch::nn::Module& module, uint64_t seed);

}  // namespace lssr::sr
