#pragma once
// How lssr-upscale spends its --threads (the tool frame resolves the default,
// 0, to all cores) on the model. GDAL's readers and writers get all of them
// (GDAL_NUM_THREADS, set by the tool frame unless given with --config).
// LibTorch's intra-op threads: all of them while the model loads, then the
// plan's for the run. No LibTorch here.
#include <cstdint>

namespace lssr::sr {

// Below this many UNet parameters a model counts as small (Stable Diffusion's
// UNet has 865 M; the default model's 0.25 M).
inline constexpr int64_t kSmallModelParameters = 10'000'000;

struct ThreadPlan {
    int intra_op = 1;      // LibTorch threads inside one forward
    int tile_workers = 1;  // tiles run at once, each on its own thread
};

// A small model on the CPU runs `threads` tiles at once, one thread each: its
// ops are too small to share between threads (on one tile the default model
// ran 1.8x slower on 2 intra-op threads than on 1, the OpenMP workers spinning
// between ops), while separate tiles keep every core busy; each tile's result
// is then the same whatever `threads` is. A large model, or any model on a
// GPU, runs one tile at a time on all `threads`.
ThreadPlan plan_threads(int threads, bool on_cpu, int64_t unet_parameters);

}  // namespace lssr::sr
