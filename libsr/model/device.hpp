#pragma once
// The --device option of the tools: auto, cpu, cuda or cuda:N.
#include <torch/torch.h>

#include <string>

namespace lssr::sr {

// auto = the first GPU when CUDA is available, else the CPU. Throws
// OptionError for a malformed value, Error for a GPU that is not there.
torch::Device choose_device(const std::string& text);

}  // namespace lssr::sr

namespace lssr::sr {
// Sets OpenBLAS's own thread count when LibTorch runs on OpenBLAS (found at
// run time; a no-op otherwise). Tiles run on separate threads need it at 1,
// or each convolution's BLAS threads fight the other tiles for the cores.
void set_blas_threads(int threads);
}  // namespace lssr::sr
