// plan_stripes: the stripes' own columns partition the output, and each stripe
// runs every tile that reaches its columns or their halo.
#include <catch2/catch.hpp>

#include "libupscale/stripes.hpp"

using namespace lssr;

namespace {

void check_stripes(const io::TilePlan& plan, int stripe_width, int halo) {
    const auto stripes = sr::plan_stripes(plan, stripe_width, halo);
    REQUIRE(!stripes.empty());
    int next_col = 0, next_tile = 0;
    for (const auto& s : stripes) {
        CHECK(s.output_col == next_col);
        CHECK(s.output_width > 0);
        next_col = s.output_col + s.output_width;
        CHECK(s.first_owned_col == next_tile);
        next_tile = s.end_owned_col;
        CHECK(s.blend_col == std::max(0, s.output_col - halo));
        CHECK(s.blend_col + s.blend_width == std::min(plan.output_width, next_col + halo));
        CHECK(s.output_col % 3 == 0);
        CHECK(s.blend_col % 3 == 0);
        for (int c = 0; c < plan.columns(); ++c) {
            const io::Window out = plan.at(0, c).output;
            const bool reaches = out.col < s.blend_col + s.blend_width && out.col + out.width > s.blend_col;
            CHECK(reaches == (c >= s.first_tile_col && c < s.end_tile_col));
        }
        CHECK(s.input_col == plan.col_offset(s.first_tile_col));
        CHECK(s.input_col + s.input_width == plan.col_offset(s.end_tile_col - 1) + plan.tile_width());
        if (stripe_width > 0)
            CHECK(s.end_owned_col - s.first_owned_col ==
                  std::min(std::max(1, stripe_width / (plan.tile - plan.overlap)), plan.columns() - s.first_owned_col));
    }
    CHECK(next_col == plan.output_width);
    CHECK(next_tile == plan.columns());
}

}  // namespace

TEST_CASE("stripes partition the output columns and run the tiles that reach them", "[upscale][stripes]") {
    const auto plan = io::plan_tiles(300, 40, 16, 6, 3.0);
    for (int width : {0, 1, 10, 25, 60, 1000})
        for (int halo : {0, 30}) {
            INFO("stripe width " << width << ", halo " << halo);
            check_stripes(plan, width, halo);
        }
}

TEST_CASE("one stripe when the scene is narrower than a stripe, or the width is 0", "[upscale][stripes]") {
    const auto plan = io::plan_tiles(100, 100, 64, 12, 3.0);
    for (int width : {0, 1024}) {
        const auto stripes = sr::plan_stripes(plan, width, 30);
        REQUIRE(stripes.size() == 1);
        CHECK(stripes[0].first_tile_col == 0);
        CHECK(stripes[0].end_tile_col == plan.columns());
        CHECK(stripes[0].output_width == 300);
        CHECK(stripes[0].input_width == 100);
    }
}

TEST_CASE("neighbouring stripes share about two tile columns at each edge", "[upscale][stripes]") {
    // A full HLS tile in the default layout: 71 tile columns.
    const auto plan = io::plan_tiles(3660, 64, 64, 12, 3.0);
    const auto stripes = sr::plan_stripes(plan, 1024, 30);
    REQUIRE(stripes.size() == 4);
    int run = 0;
    for (const auto& s : stripes) run += s.end_tile_col - s.first_tile_col;
    CHECK(run - plan.columns() == 6);
}
