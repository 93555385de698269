#pragma once
// The --device option of the tools: auto, cpu, cuda or cuda:N.
#include <torch/torch.h>

#include <string>

namespace lssr::sr {

// auto = the first GPU when CUDA is available, else the CPU. Throws
// OptionError for a malformed value, Error for a GPU that is not there.
torch::Device choose_device(const std::string& text);

}  // namespace lssr::sr
