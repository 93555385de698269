#pragma once
// The machine's own limit for the model's work: the throughput of a large
// fp32 3x3 convolution (64 -> 64 channels on 128x128 pixels, one image), in
// GFLOP/s (2 per multiply-accumulate), measured two ways on `threads` cores:
// one call on `threads` intra-op threads, and `threads` single-threaded calls
// running at once (how lssr-upscale runs small models). The better of the two
// is what a model could reach at best on this machine.
#include <string>

namespace lssr::sr {

struct ConvThroughput {
    int threads = 1;
    double intra_op_gflops = 0;  // one convolution on `threads` threads
    double parallel_gflops = 0;  // `threads` convolutions at once, one thread each
    double best_gflops() const { return intra_op_gflops > parallel_gflops ? intra_op_gflops : parallel_gflops; }
    std::string kernel;          // what was measured, in words
};

// Runs each way for about `seconds`; restores LibTorch's intra-op thread count.
ConvThroughput measure_conv_throughput(int threads, double seconds = 1.5);

}  // namespace lssr::sr
