// LibTorch's intra-op threads during a run: one for a small model on the CPU
// (the rest stay with GDAL), all of --threads otherwise.
#include <catch2/catch.hpp>

#include "libupscale/thread_policy.hpp"

using lssr::sr::kSmallModelParameters;
using lssr::sr::model_threads;

TEST_CASE("a small model runs on one LibTorch thread on the CPU, a large one or a GPU on all", "[upscale][threads]") {
    const int64_t default_model = 250'000, stable_diffusion = 865'000'000;
    CHECK(model_threads(8, true, default_model) == 1);
    CHECK(model_threads(1, true, default_model) == 1);
    CHECK(model_threads(8, true, stable_diffusion) == 8);
    CHECK(model_threads(8, false, default_model) == 8);
    CHECK(model_threads(8, false, stable_diffusion) == 8);
    CHECK(model_threads(6, true, kSmallModelParameters - 1) == 1);
    CHECK(model_threads(6, true, kSmallModelParameters) == 6);
}
