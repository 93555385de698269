// Desert: bare soil of varying tint, dune fields (crests at a random angle),
// rock outcrops, sparse shrubs along dry washes, a highway, and irrigated
// centre-pivot circles of crops in one farming district.
#include <algorithm>
#include <cmath>

#include "libsynth/landscape_kit.hpp"

namespace lssr::io::synth {

void paint_desert(Painter& p) {
    Landscape& ls = p.ls;
    Rng rng(derive_seed(p.seed, "desert"));
    const std::uint64_t s = derive_seed(p.seed, "desert-texture");
    const Frame dune_frame(rng.uniform(0, M_PI));
    const double dune_spacing = rng.uniform(25, 70), dune_height = rng.uniform(5, 25);
    const double sand_level = rng.uniform(-0.1, 0.25), rock_level = rng.uniform(0.35, 0.5);
    const double tint = rng.uniform(0, 0.7);
    // Pivots: circles on a loose grid in a district around a random point.
    struct Pivot {
        double x, y, radius;
        std::uint64_t key;
    };
    std::vector<Pivot> pivots;
    const double px0 = rng.uniform(0.2, 0.8) * ls.width, py0 = rng.uniform(0.2, 0.8) * ls.height;
    // Pivots of 180-400 m radius in a district that takes a minor share of the area.
    const double pivot_r = std::min(rng.uniform(18, 40), 0.1 * p.area + 6);
    const double district = rng.uniform(0.12, 0.22) * p.area + pivot_r;
    const Frame grid(rng.uniform(0, M_PI));
    for (int a = -6; a <= 6; ++a)
        for (int b = -6; b <= 6; ++b) {
            const double gu = a * 2.05 * pivot_r, gv = b * 2.05 * pivot_r;
            const double x = px0 + gu * grid.c - gv * grid.s, y = py0 + gu * grid.s + gv * grid.c;
            if (std::hypot(x - px0, y - py0) > district || rng.uniform() < 0.2) continue;
            pivots.push_back({x, y, pivot_r * rng.uniform(0.85, 1.0), derive_seed(s, "pivot", pivots.size())});
        }
    const double road_angle = rng.uniform(0, M_PI), road_x = rng.uniform(0.3, 0.7) * ls.width;
    const Frame road(road_angle);
    const Meander wash = Meander::random(rng, ls, 0.08 * p.area + 8, 0.5 * p.area + 50);
    for (int r = 0; r < ls.height; ++r)
        for (int c = 0; c < ls.width; ++c) {
            const size_t i = ls.index(r, c);
            if (!p.mine(i)) continue;
            const double x = c + 0.5, y = r + 0.5;
            const double terrain = fbm(x, y, 180, 4, s);
            const double sandiness = fbm(x, y, 140, 3, s + 1);
            double z = 700 + 60 * terrain;
            const double crest = std::sin(2 * M_PI * (dune_frame.u(x, y) + 8 * fbm(x, y, 60, 2, s + 2)) / dune_spacing);
            const bool sand = sandiness > sand_level;
            if (sand) z += dune_height * std::clamp((sandiness - sand_level) * 4, 0.0, 1.0) * (0.5 + 0.5 * crest);
            ls.elevation[i] = static_cast<float>(z);
            if (std::abs(road.v(x - road_x, y - 0.5 * ls.height)) < 1.0) {
                p.set(i, Cover::Road, 1.0f);
                continue;
            }
            const Pivot* pivot = nullptr;
            for (const Pivot& pv : pivots)
                if (std::abs(x - pv.x) < pv.radius && std::abs(y - pv.y) < pv.radius &&
                    std::hypot(x - pv.x, y - pv.y) < pv.radius)
                    pivot = &pv;
            if (pivot) {
                const std::uint32_t id = p.field_with(pivot->key, [&] {
                    Rng frng(pivot->key ^ s);
                    const double u = frng.uniform();
                    Field f = random_field(frng, u < 0.35 ? Cover::Alfalfa : u < 0.6 ? Cover::Corn
                                                : u < 0.8 ? Cover::WinterWheat : Cover::Bare);
                    f.soil_brightness = frng.uniform(1.4, 1.9);  // pale desert soil under the crop
                    return f;
                });
                const Cover cover = p.field_of(id).cover;
                p.set(i, cover, cover == Cover::Bare ? static_cast<float>(tint) : 0.0f, id);
                ls.rows[i] = static_cast<float>(std::sin(std::hypot(x - pivot->x, y - pivot->y) * 2 * M_PI / 2.4));
                continue;
            }
            const double d_wash = std::abs(wash.signed_distance(x, y));
            const double shrubs = fbm(x, y, 10, 3, s + 3);
            if (terrain > rock_level) {
                p.set(i, Cover::Rock, static_cast<float>(0.4 + 0.4 * fbm(x, y, 30, 2, s + 4)));
            } else if (d_wash < 6 && shrubs > -0.3) {
                p.set(i, Cover::Shrub, static_cast<float>(0.25 + 0.2 * hash_unit(c, r, s + 5)));
            } else if (sand) {
                p.set(i, Cover::Sand, static_cast<float>(std::clamp(tint + 0.2 * sandiness, 0.0, 1.0)));
            } else if (shrubs > 0.35) {
                p.set(i, Cover::Shrub, static_cast<float>(0.08 + 0.15 * hash_unit(c, r, s + 6)));
            } else {
                p.set(i, Cover::Bare, static_cast<float>(std::clamp(tint + 0.3 * fbm(x, y, 50, 2, s + 7), 0.0, 1.0)));
            }
        }
}

}  // namespace lssr::io::synth
