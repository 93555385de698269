#pragma once
// A tensor's name and shape, as listed by `lssr-model keys` (no LibTorch needed).
#include <cstdint>
#include <string>
#include <vector>

namespace lssr::sr {

struct TensorKey {
    std::string name;
    std::vector<int64_t> shape;
};

// "[320, 4, 3, 3]" (PyTorch's own spelling of a shape).
std::string format_shape(const std::vector<int64_t>& shape);

}  // namespace lssr::sr
