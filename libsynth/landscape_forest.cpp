// Forest: stands of conifer, broadleaf and mixed wood, wetlands and lakes in
// the hollows, clear-cuts at several stages of regrowth, and logging roads.
#include <algorithm>
#include <cmath>

#include "libsynth/landscape_kit.hpp"

namespace lssr::io::synth {

void paint_forest(Painter& p) {
    Landscape& ls = p.ls;
    Rng rng(derive_seed(p.seed, "forest"));
    const Cells stands{rng.uniform(22, 40), derive_seed(p.seed, "stands")};
    const std::uint64_t s = derive_seed(p.seed, "forest-texture");
    const double conifer_share = rng.uniform(0.3, 0.8), wet_level = rng.uniform(-0.45, -0.2);
    // Logging roads: a few long straight or gently bent segments at random angles.
    struct Segment {
        double ax, ay, bx, by, half;
    };
    std::vector<Segment> roads;
    const int count = 2 + static_cast<int>(p.area / 120);
    for (int k = 0; k < count; ++k) {
        const double x0 = rng.uniform(0, ls.width), y0 = rng.uniform(0, ls.height), a = rng.uniform(0, M_PI);
        const double len = rng.uniform(0.3, 0.9) * ls.width;
        roads.push_back({x0, y0, x0 + len * std::cos(a), y0 + len * std::sin(a), rng.uniform(0.4, 0.8)});
    }
    const Meander river = Meander::random(rng, ls, 0.08 * p.area + 6, 0.6 * p.area + 60);
    const bool has_river = rng.uniform() < 0.6;
    for (int r = 0; r < ls.height; ++r)
        for (int c = 0; c < ls.width; ++c) {
            const size_t i = ls.index(r, c);
            if (!p.mine(i)) continue;
            const double x = c + 0.5, y = r + 0.5;
            const double relief = fbm(x, y, 120, 4, s);
            const double d_river = has_river ? std::abs(river.signed_distance(x, y)) : 1e9;
            ls.elevation[i] = static_cast<float>(220 + 35 * relief - 10 * std::exp(-d_river / 40));
            bool on_road = false;
            for (const Segment& g : roads)
                if (segment_distance(x, y, g.ax, g.ay, g.bx, g.by) < g.half) on_road = true;
            if (d_river < 2.5 + 1.5 * fbm(x, y, 50, 2, s + 1) && !on_road) {
                p.set(i, Cover::Water, 0.35f);
                continue;
            }
            if (on_road) {
                p.set(i, Cover::Road, 0.0f);
                continue;
            }
            // Hollows hold lakes and marsh; the lowest are open water.
            if (relief < wet_level - 0.12) {
                p.set(i, Cover::Water, 0.1f);
                continue;
            }
            if (relief < wet_level) {
                p.set(i, hash_unit(c, r, s + 2) < 0.15 ? Cover::Water : Cover::Wetland, 0.1f);
                continue;
            }
            const Cells::Hit stand = stands.locate(x, y);
            const std::uint32_t id = p.field_with(stand.key, [&] {
                Rng srng(stand.key ^ s);
                const double u = srng.uniform();
                Cover cover = u < 0.04 ? Cover::Bare            // fresh clear-cut
                              : u < 0.1 ? Cover::Shrub           // regrowth
                              : u < 0.13 ? Cover::Grass          // meadow / old cut
                              : srng.uniform() < conifer_share ? Cover::Conifer : Cover::Trees;
                Field f = random_field(srng, cover);
                f.soil_brightness = srng.uniform(0.6, 1.0);  // forest soils are dark
                return f;
            });
            Cover cover = p.field_of(id).cover;
            // Mixed stands: broadleaf crowns among conifers.
            if (cover == Cover::Conifer && hash_unit(c, r, s + 3) < 0.2) cover = Cover::Trees;
            const float mix = cover == Cover::Shrub ? static_cast<float>(0.5 + 0.4 * hash_unit(c, r, s + 4)) : 0.0f;
            p.set(i, cover, mix, cover == Cover::Bare ? 0 : id);
        }
}

}  // namespace lssr::io::synth
