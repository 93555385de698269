#pragma once
// Matching a module's parameters with the tensors of a safetensors file: the
// same names (after an optional rename of legacy names) and the same shapes,
// or an InputError naming the file and the first offending tensor.
#include <torch/torch.h>

#include <functional>
#include <string>
#include <vector>

#include "libsr/formats/safetensors.hpp"
#include "libsr/model/safetensors_torch.hpp"
#include "libsr/model/tensor_key.hpp"

namespace lssr::sr {

// Parameters then buffers of the module tree, in registration order (the
// order PyTorch's state_dict() has).
std::vector<TensorKey> module_tensor_keys(torch::nn::Module& module);
// The same tensors, detached and on the CPU, named "<prefix><name>": what a
// safetensors file of the module holds.
NamedTensors module_state(torch::nn::Module& module, const std::string& prefix = "");

// Maps a name found in a file to the module's name for it.
using KeyRename = std::function<std::string(const std::string&)>;
// The VAE's deprecated attention names (query, key, value, proj_attn) -> to_q, to_k, to_v, to_out.0.
std::string rename_legacy_vae_key(const std::string& name);

// Checks names and shapes only (reads the header, not the data).
void check_module_against_file(torch::nn::Module& module, const SafetensorsFile& file, const KeyRename& rename = {});
// Checks, then copies every tensor into the module (as float32).
void load_module_weights(torch::nn::Module& module, const SafetensorsFile& file, const KeyRename& rename = {});

}  // namespace lssr::sr
