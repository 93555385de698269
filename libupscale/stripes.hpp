#pragma once
// Vertical stripes of a tile plan, so that lssr-upscale's memory does not grow
// with the scene's width: each stripe is run top to bottom on its own (its
// tile rows, blending strips and projection), and writes only the output
// columns it owns. A stripe also blends the tiles just across its edges that
// reach into, or lie within the projection's halo of, its own columns, so
// every output pixel sees the same tiles as without stripes (the upscaler runs
// such a shared tile once and keeps it for the other stripe).
#include <vector>

#include "libio/tiling/tile_plan.hpp"

namespace lssr::sr {

struct Stripe {
    int first_tile_col = 0, end_tile_col = 0;    // tile columns computed, [first, end)
    int first_owned_col = 0, end_owned_col = 0;  // those whose cores lie in the stripe
    int input_col = 0, input_width = 0;        // the LR columns those tiles read
    int output_col = 0, output_width = 0;      // output columns this stripe writes
    int blend_col = 0, blend_width = 0;        // its output columns plus the halo, inside the scene
};

// Stripes of whole tile columns of at most `stripe_width` scene pixels of
// tile cores each (at least one tile column; stripe_width <= 0: one stripe),
// with `halo` output pixels blended on each side of the columns a stripe owns.
// The stripes' output columns partition the scene's output width.
std::vector<Stripe> plan_stripes(const io::TilePlan& plan, int stripe_width, int halo);

}  // namespace lssr::sr
