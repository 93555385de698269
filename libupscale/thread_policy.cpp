#include "libupscale/thread_policy.hpp"

namespace lssr::sr {

int model_threads(int threads, bool on_cpu, int64_t unet_parameters) {
    return on_cpu && unet_parameters < kSmallModelParameters ? 1 : threads;
}

}  // namespace lssr::sr
