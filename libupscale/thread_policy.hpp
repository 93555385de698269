#pragma once
// How lssr-upscale shares its --threads (the tool frame resolves the default,
// 0, to all cores) between GDAL and LibTorch. GDAL's readers and writers get
// all of them (GDAL_NUM_THREADS, set by the tool frame unless given with
// --config). LibTorch's intra-op threads: all of them while the model loads,
// then model_threads() for the run. No LibTorch here.
#include <cstdint>

namespace lssr::sr {

// Below this many UNet parameters a model runs on one LibTorch thread (Stable
// Diffusion's UNet has 865 M; the default model's 0.25 M).
inline constexpr int64_t kSmallModelParameters = 10'000'000;

// LibTorch intra-op threads for running a model of `unet_parameters` weights.
// Small networks run fastest on one thread on the CPU: their ops are too small
// to share, and OpenMP workers spinning between ops took the cores GDAL's
// reader and writer threads needed (the default model ran 1.8x slower on 2
// threads than on 1); the other threads stay with GDAL. A large model, or one
// on a GPU, keeps all `threads`.
int model_threads(int threads, bool on_cpu, int64_t unet_parameters);

}  // namespace lssr::sr
