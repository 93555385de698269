#pragma once
// Training checkpoints: the weights that training changes, the AdamW state of
// the parameters being trained and the step, in one safetensors file written
// to a temporary name and renamed (a kill leaves the previous one intact).
#include <torch/torch.h>

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace lssr::sr {

using NamedParams = std::vector<std::pair<std::string, torch::Tensor>>;

struct CheckpointState {
    int64_t step = 0;                          // optimizer steps done
    std::map<std::string, std::string> extra;  // small values (e.g. the VAE scaling factor)
};

// `weights`: every tensor to restore; `optimized`: the AdamW's parameters, by
// name (a subset of `weights`), in the optimizer's order.
void save_checkpoint(const std::string& path, const CheckpointState& state, const NamedParams& weights,
                     const NamedParams& optimized, torch::optim::AdamW& optimizer);

// Reads the step and extras only.
CheckpointState read_checkpoint_state(const std::string& path);

// Copies the stored weights into `weights` (same names and shapes, else
// InputError naming the file and tensor).
void load_checkpoint_weights(const std::string& path, const NamedParams& weights);

// Restores the AdamW state of `optimized` (stored under the same names).
void load_checkpoint_optimizer(const std::string& path, const NamedParams& optimized,
                               torch::optim::AdamW& optimizer);

}  // namespace lssr::sr
