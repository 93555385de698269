#include "libupscale/stripes.hpp"

#include <algorithm>

namespace lssr::sr {

std::vector<Stripe> plan_stripes(const io::TilePlan& plan, int stripe_width, int halo) {
    const int columns = plan.columns();
    const int step = std::max(1, plan.tile - plan.overlap);
    const int per_stripe = stripe_width <= 0 ? columns : std::max(1, stripe_width / step);
    std::vector<Stripe> stripes;
    for (int first = 0; first < columns; first += per_stripe) {
        const int last = std::min(columns, first + per_stripe) - 1;  // last tile column owned
        Stripe s;
        s.first_owned_col = first;
        s.end_owned_col = last + 1;
        const io::Window core0 = plan.output_window(plan.core(0, first));
        const io::Window core1 = plan.output_window(plan.core(0, last));
        s.output_col = core0.col;
        s.output_width = core1.col + core1.width - core0.col;
        s.blend_col = std::max(0, s.output_col - halo);
        s.blend_width = std::min(plan.output_width, s.output_col + s.output_width + halo) - s.blend_col;
        // Every tile whose output reaches into the blended columns.
        s.first_tile_col = columns;
        s.end_tile_col = 0;
        for (int c = 0; c < columns; ++c) {
            const io::Window out = plan.at(0, c).output;
            if (out.col < s.blend_col + s.blend_width && out.col + out.width > s.blend_col) {
                s.first_tile_col = std::min(s.first_tile_col, c);
                s.end_tile_col = std::max(s.end_tile_col, c + 1);
            }
        }
        s.input_col = plan.col_offset(s.first_tile_col);
        s.input_width = plan.col_offset(s.end_tile_col - 1) + plan.tile_width() - s.input_col;
        stripes.push_back(s);
    }
    return stripes;
}

}  // namespace lssr::sr
