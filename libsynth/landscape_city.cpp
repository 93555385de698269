// A city: street grids at a random angle (a second grid in some districts),
// blocks of buildings with bright, tiled, concrete or dark roofs, paved lots
// and parking, parks with trees, and a river or a sea coast.
#include <cmath>

#include "libsynth/landscape_kit.hpp"

namespace lssr::io::synth {

void paint_city(Painter& p) {
    Landscape& ls = p.ls;
    Rng rng(derive_seed(p.seed, "city"));
    const double main_angle = rng.uniform(0, 0.5 * M_PI), second_angle = main_angle + rng.uniform(0.2, 0.6);
    const Cells districts{rng.uniform(70, 140), derive_seed(p.seed, "districts")};
    const std::uint64_t s_block = derive_seed(p.seed, "blocks"), s_lot = derive_seed(p.seed, "lots");
    const double block_u = rng.uniform(7, 14), block_v = rng.uniform(6, 12);  // 60-140 m blocks
    const bool coast = rng.uniform() < 0.5;
    Meander water = Meander::random(rng, ls, coast ? 0.05 * p.area + 6 : 0.07 * p.area + 8, 0.8 * p.area + 80);
    const double river_half = rng.uniform(3, 8), sea_side = rng.uniform() < 0.5 ? 1 : -1;
    // The sea takes the far side of a shore off the centre: a strip of the area, not most of it.
    if (coast) water.offset = -sea_side * rng.uniform(0.2, 0.35) * ls.width;
    for (int r = 0; r < ls.height; ++r)
        for (int c = 0; c < ls.width; ++c) {
            const size_t i = ls.index(r, c);
            if (!p.mine(i)) continue;
            const double x = c + 0.5, y = r + 0.5;
            const double d = water.signed_distance(x, y);
            const double shore = coast ? sea_side * d : std::abs(d) - river_half;  // < 0: water
            ls.elevation[i] = static_cast<float>((coast ? 2 : 180) + std::max(0.0, shore) * 0.08 +
                                                 8 * fbm(x, y, 250, 2, s_block + 3));
            if (shore < 0) {
                p.set(i, Cover::Water, static_cast<float>(0.3 + 0.3 * fbm(x, y, 40, 2, s_block + 4)));
                continue;
            }
            if (shore < 2.2) {  // quays and embankments
                p.set(i, hash_unit(c, r, s_lot) < 0.5 ? Cover::Road : Cover::Trees, 0.8f);
                continue;
            }
            const Cells::Hit district = districts.locate(x, y);
            const bool second = hash_unit(district.key, 1, s_block) < 0.3;
            const Frame f(second ? second_angle : main_angle);
            const double u = f.u(x, y), v = f.v(x, y);
            double eu = 0, ev = 0;
            const Intervals along_u{block_u, 0.3, s_block + (second ? 11 : 0)}, along_v{block_v, 0.3, s_block + (second ? 13 : 2)};
            const std::int64_t bu = along_u.index(u, &eu), bv = along_v.index(v, &ev);
            const bool avenue_u = (bu % 6 + 6) % 6 == 0, avenue_v = (bv % 5 + 5) % 5 == 0;
            const double street_u = avenue_u ? 1.2 : 0.7, street_v = avenue_v ? 1.2 : 0.7;
            const double street = std::min(eu - street_u, ev - street_v);
            if (street < 0 || district.edge_distance < 0.6) {
                p.set(i, Cover::Road, 1.0f);
                continue;
            }
            // The block's use: buildings (most), parking, park, industry.
            const std::uint64_t block = (static_cast<std::uint64_t>(bu) * 7919) ^ (static_cast<std::uint64_t>(bv) << 24) ^
                                        (second ? 0x5555 : 0) ^ district.key;
            const double use = hash_unit(block, 3, s_block);
            if (use < 0.08) {  // park: lawn with tree clumps
                p.set(i, fbm(x, y, 6, 2, s_lot + block) > 0.1 ? Cover::Trees : Cover::Grass);
                continue;
            }
            if (use < 0.15) {  // parking: asphalt with rows of cars
                p.set(i, Cover::Road, static_cast<float>(0.6 + 0.4 * hash_unit(c, r, s_lot + 1)));
                continue;
            }
            const bool industry = use > 0.93;
            // Lots along the block: a building each, or a yard.
            const Intervals lots{industry ? 9.0 : 2.6 + 2 * hash_unit(block, 4, s_block), 0.35, block};
            double el = 0;
            const std::int64_t lot = lots.index(u, &el);
            const bool back = ev > 0.5 * block_v * 0.55 && !industry;  // backyards in the block's middle
            const double b = hash_unit(lot, block, s_lot);
            if (el < 0.35 || back) {
                const double green = hash_unit(lot, block, s_lot + 3);
                p.set(i, green < 0.35 ? Cover::Trees : green < 0.6 ? Cover::Grass : Cover::Built,
                      static_cast<float>(0.2 + 0.5 * green));
                continue;
            }
            // Roof material: industry is mostly bright metal; homes mixed.
            const float material = static_cast<float>(industry ? 0.12 * b : b);
            p.set(i, Cover::Roof, material);
        }
}

}  // namespace lssr::io::synth
