// How --threads is spent: a small model on the CPU runs that many tiles at
// once on one LibTorch thread each; a large one, or a GPU, one tile on all.
#include <catch2/catch.hpp>

#include "libupscale/thread_policy.hpp"

using lssr::sr::kSmallModelParameters;
using lssr::sr::plan_threads;

TEST_CASE("a small CPU model runs tiles in parallel, a large one or a GPU runs one tile on all threads", "[upscale][threads]") {
    const int64_t default_model = 250'000, stable_diffusion = 865'000'000;
    auto check = [](lssr::sr::ThreadPlan plan, int intra_op, int workers) {
        CHECK(plan.intra_op == intra_op);
        CHECK(plan.tile_workers == workers);
    };
    check(plan_threads(8, true, default_model), 1, 8);
    check(plan_threads(1, true, default_model), 1, 1);
    check(plan_threads(8, true, stable_diffusion), 8, 1);
    check(plan_threads(8, false, default_model), 8, 1);
    check(plan_threads(8, false, stable_diffusion), 8, 1);
    check(plan_threads(6, true, kSmallModelParameters - 1), 1, 6);
    check(plan_threads(6, true, kSmallModelParameters), 6, 1);
    check(plan_threads(0, true, default_model), 1, 1);  // never no thread at all
}
