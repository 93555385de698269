// Small and strip fields (smallholder and strip-farmed land): blocks of random
// orientation between farm tracks, cut into fields 30-150 m wide or strips
// 20-60 m wide, sown with the Iowa crops so that the CDL/Dynamic World labels
// stay crop types (the 30 m vs 10 m crop-type experiment needs them).
#include <cmath>

#include "libsynth/landscape_kit.hpp"

namespace lssr::io::synth {

void paint_smallfields(Painter& p) {
    Landscape& ls = p.ls;
    Rng rng(derive_seed(p.seed, "blocks"));
    const Cells blocks{rng.uniform(55, 90), derive_seed(p.seed, "block-cells")};
    const std::uint64_t s_block = derive_seed(p.seed, "block-shape"), s_crop = derive_seed(p.seed, "crops");
    const Meander stream = Meander::random(rng, ls, 0.06 * p.area + 5, 0.7 * p.area + 60);
    const double stream_half = rng.uniform(0.9, 1.8);
    for (int r = 0; r < ls.height; ++r)
        for (int c = 0; c < ls.width; ++c) {
            const size_t i = ls.index(r, c);
            if (!p.mine(i)) continue;
            const double x = c + 0.5, y = r + 0.5;
            const Cells::Hit block = blocks.locate(x, y);
            ls.elevation[i] = static_cast<float>(250 + 12 * fbm(x, y, 300, 3, s_block + 9));
            const double d_stream = std::abs(stream.signed_distance(x, y));
            if (d_stream < stream_half) {
                p.set(i, Cover::Water, 0.6f);
                continue;
            }
            if (d_stream < stream_half + 2.5) {
                p.set(i, Cover::Trees);
                continue;
            }
            if (block.edge_distance < 0.55) {  // farm tracks between blocks
                p.set(i, Cover::Road, 0.0f);
                continue;
            }
            // Each block has its own orientation and layout: fields or strips.
            const std::uint64_t bk = block.key;
            const double angle = M_PI * hash_unit(bk, 1, s_block);
            const bool strips = hash_unit(bk, 2, s_block) < 0.45;
            const Frame f(angle);
            const double width = strips ? 2.0 + 4.0 * hash_unit(bk, 3, s_block) : 3.0 + 12.0 * hash_unit(bk, 3, s_block);
            const Intervals across{width, 0.3, bk ^ 0xA5A5};
            double edge_u = 0, edge_v = 0;
            const std::int64_t col = across.index(f.v(x, y), &edge_u);
            const Intervals along{strips ? 25.0 + 25.0 * hash_unit(col, 4, bk) : width * (1.2 + 2.5 * hash_unit(col, 4, bk)),
                                  0.4, bk ^ static_cast<std::uint64_t>(col) * 31};
            const std::int64_t row = along.index(f.u(x, y), &edge_v);
            const std::uint64_t key = (bk * 0x100000001B3ull) ^ (static_cast<std::uint64_t>(col) << 20) ^
                                      static_cast<std::uint64_t>(row);
            const std::uint32_t id = p.field_with(key, [&] {
                Rng field_rng(key ^ s_crop);
                Field fld = random_field(field_rng, random_iowa_crop(field_rng));
                fld.row_direction = angle + (field_rng.uniform() < 0.8 ? 0 : 0.5 * M_PI);
                return fld;
            });
            const Field& fld = p.field_of(id);
            p.set(i, fld.cover, 0, id);
            const double a = fld.row_direction;
            ls.rows[i] = static_cast<float>(std::sin(2 * M_PI * (x * std::sin(a) + y * std::cos(a)) / 2.4));
        }
}

}  // namespace lssr::io::synth
