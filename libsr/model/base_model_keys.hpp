#pragma once
// The tensors of a diffusers base folder (DIR/unet, DIR/vae), named
// "<component>.<diffusers key>" in state-dict order, without LibTorch in the header.
#include <string>
#include <vector>

#include "libsr/model/tensor_key.hpp"

namespace lssr::sr {

// Built from each component's config.json alone (modules made on the meta
// device, nothing allocated). When a component's weight file is present its
// header is checked against the config (names and shapes); a mismatch or a
// damaged file is an InputError naming the file.
std::vector<TensorKey> list_base_model_keys(const std::string& dir);

}  // namespace lssr::sr
