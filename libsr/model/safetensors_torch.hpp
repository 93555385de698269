#pragma once
// safetensors <-> LibTorch: tensors come out as float32, go in as F32 or F16.
#include <ATen/core/Tensor.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "libsr/formats/safetensors.hpp"

namespace lssr::sr {

// The tensor converted to a float32 CPU tensor of its shape.
at::Tensor load_float_tensor(const SafetensorsFile& file, const TensorInfo& info);
// By name; InputError "<file>: no tensor "<name>"" when absent.
at::Tensor load_float_tensor(const SafetensorsFile& file, const std::string& name);

// Largest magnitude a weight may hold: trained networks stay far below it (SD's
// own weights below 100); beyond it a file is corrupt and the output would
// overflow to NaN.
constexpr double kMaxWeightMagnitude = 1e5;

// A network weight: like load_float_tensor, but the stored type must be a
// float type (an integer-labelled weight is a damaged file, not a value to
// convert) and every value finite and within kMaxWeightMagnitude; else
// InputError naming the file and the tensor.
at::Tensor load_weight_tensor(const SafetensorsFile& file, const TensorInfo& info);
// The dtype and value checks alone (`values` already read from `info`).
void check_weight_dtype(const SafetensorsFile& file, const TensorInfo& info);
void check_weight_values(const SafetensorsFile& file, const TensorInfo& info, const at::Tensor& values);

using NamedTensors = std::vector<std::pair<std::string, at::Tensor>>;

struct SafetensorsWriteOptions {
    Dtype dtype = Dtype::F32;  // F32 or F16
    bool overwrite = false;
};

// Writes the tensors (in the given order) with a string metadata map, to a
// temporary name renamed into place. Throws OutputError.
void write_safetensors(const std::string& path, const NamedTensors& tensors,
                       const std::map<std::string, std::string>& metadata,
                       const SafetensorsWriteOptions& options = {});

}  // namespace lssr::sr
