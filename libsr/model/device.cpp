#include "libsr/model/device.hpp"

#include "libio/core/errors.hpp"

namespace lssr::sr {

torch::Device choose_device(const std::string& text) {
    if (text == "auto") return torch::cuda::is_available() ? torch::Device(torch::kCUDA, 0) : torch::Device(torch::kCPU);
    if (text == "cpu") return torch::kCPU;
    if (text.rfind("cuda", 0) == 0) {
        int index = 0;
        if (text.size() > 4) {
            const auto digits = text.substr(5);
            if (text[4] != ':' || digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos)
                throw OptionError("--device: expected auto, cpu, cuda or cuda:N, got \"" + text + "\"");
            index = std::stoi(digits);
        }
        if (!torch::cuda::is_available())
            throw Error("--device " + text + ": CUDA is not available (this LibTorch build or machine has no GPU)");
        if (index >= static_cast<int>(torch::cuda::device_count()))
            throw Error("--device " + text + ": no such GPU (" + std::to_string(torch::cuda::device_count()) + " present)");
        return torch::Device(torch::kCUDA, static_cast<c10::DeviceIndex>(index));
    }
    throw OptionError("--device: expected auto, cpu, cuda or cuda:N, got \"" + text + "\"");
}

}  // namespace lssr::sr

#include <dlfcn.h>

namespace lssr::sr {
void set_blas_threads(int threads) {
    using SetThreads = void (*)(int);
    if (auto* set = reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"))) set(threads);
}
}  // namespace lssr::sr
