#include "libsr/model/conv_throughput.hpp"

#include <torch/torch.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

namespace lssr::sr {
namespace {

constexpr int64_t kChannels = 64, kSide = 128, kKernel = 3;
constexpr double kFlopsPerCall = 2.0 * kChannels * kChannels * kKernel * kKernel * kSide * kSide;

using Clock = std::chrono::steady_clock;

// Calls of one convolution on this thread for about `seconds` (after one warm-up call).
long long run_for(double seconds) {
    c10::InferenceMode inference;
    torch::manual_seed(0);
    const auto x = torch::randn({1, kChannels, kSide, kSide});
    const auto w = torch::randn({kChannels, kChannels, kKernel, kKernel});
    torch::conv2d(x, w, {}, 1, 1);
    long long calls = 0;
    const auto t0 = Clock::now();
    while (std::chrono::duration<double>(Clock::now() - t0).count() < seconds) {
        torch::conv2d(x, w, {}, 1, 1);
        ++calls;
    }
    return calls;
}

}  // namespace

ConvThroughput measure_conv_throughput(int threads, double seconds) {
    threads = std::max(1, threads);
    const int previous = at::get_num_threads();
    ConvThroughput out;
    out.threads = threads;
    out.kernel = "fp32 conv2d 3x3, 64->64 channels, 128x128 px";

    at::set_num_threads(threads);
    auto t0 = Clock::now();
    long long calls = run_for(seconds);
    out.intra_op_gflops = calls * kFlopsPerCall / std::chrono::duration<double>(Clock::now() - t0).count() / 1e9;

    at::set_num_threads(1);
    std::atomic<long long> total{0};
    std::vector<std::thread> pool;
    t0 = Clock::now();
    for (int i = 0; i < threads; ++i) pool.emplace_back([&] { total += run_for(seconds); });
    for (auto& t : pool) t.join();
    out.parallel_gflops = total * kFlopsPerCall / std::chrono::duration<double>(Clock::now() - t0).count() / 1e9;

    at::set_num_threads(previous);
    return out;
}

}  // namespace lssr::sr
