#include "libupscale/thread_policy.hpp"

#include <algorithm>

namespace lssr::sr {

ThreadPlan plan_threads(int threads, bool on_cpu, int64_t unet_parameters) {
    threads = std::max(1, threads);
    if (on_cpu && unet_parameters < kSmallModelParameters) return ThreadPlan{1, threads};
    return ThreadPlan{threads, 1};
}

}  // namespace lssr::sr
