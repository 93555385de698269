// Mountains: ridged relief of 1-2 km cut by a valley, with meadows, fields and
// a river on the valley floor, conifer and broadleaf forest on the slopes,
// snow-free alpine meadows above the tree line, and bare rock and scree on the
// steep and high ground. Terrain shading comes from this DEM (shade_terrain).
#include <algorithm>
#include <cmath>

#include "libsynth/landscape_kit.hpp"

namespace lssr::io::synth {

void paint_mountains(Painter& p) {
    Landscape& ls = p.ls;
    Rng rng(derive_seed(p.seed, "mountains"));
    const std::uint64_t s = derive_seed(p.seed, "relief");
    const double base = rng.uniform(500, 1200), relief = rng.uniform(900, 1800), scale = rng.uniform(150, 300);
    const Meander valley = Meander::random(rng, ls, 0.06 * p.area + 10, 0.8 * p.area + 100);
    const double valley_width = rng.uniform(25, 60);
    const double tree_line = base + relief * rng.uniform(0.3, 0.45), rock_line = tree_line + relief * rng.uniform(0.15, 0.25);
    const Cells parcels{rng.uniform(18, 30), derive_seed(p.seed, "valley-fields")};
    // Ridged noise: sharp crests, rounded valleys; low in the main valley.
    auto height = [&](double x, double y) {
        const double ridged = 1 - std::abs(fbm(x, y, scale, 5, s));
        const double d = std::abs(valley.signed_distance(x, y));
        const double floor = 1 - std::exp(-std::pow(d / valley_width, 2));
        return base + relief * (0.25 * fbm(x, y, 3 * scale, 2, s + 1) + 0.75 * ridged * ridged) * floor;
    };
    for (int r = 0; r < ls.height; ++r)
        for (int c = 0; c < ls.width; ++c) {
            const size_t i = ls.index(r, c);
            if (!p.mine(i)) continue;
            const double x = c + 0.5, y = r + 0.5;
            const double z = height(x, y);
            const double slope = std::hypot(height(x + 1, y) - height(x - 1, y), height(x, y + 1) - height(x, y - 1)) / 20.0;
            ls.elevation[i] = static_cast<float>(z);
            const double d_valley = std::abs(valley.signed_distance(x, y));
            const double jitter = 60 * fbm(x, y, 15, 3, s + 2);  // ragged tree and rock lines
            if (d_valley < 1.5 + 0.8 * fbm(x, y, 20, 2, s + 3)) {
                p.set(i, Cover::Water, 0.25f);  // glacial river, a little milky
            } else if (slope > 1.3 || z + jitter > rock_line + 80) {
                p.set(i, hash_unit(c, r, s + 4) < 0.3 ? Cover::Bare : Cover::Rock,
                      static_cast<float>(0.5 + 0.5 * fbm(x, y, 40, 2, s + 5)));
            } else if (z + jitter > rock_line) {
                p.set(i, fbm(x, y, 6, 2, s + 6) > 0.2 ? Cover::Rock : Cover::Grass, 0.5f);
            } else if (z + jitter > tree_line) {
                p.set(i, fbm(x, y, 5, 2, s + 7) > 0.45 ? Cover::Shrub : Cover::Grass, 0.45f);  // alpine meadow
            } else if (d_valley < 0.6 * valley_width && slope < 0.25) {
                const Cells::Hit parcel = parcels.locate(x, y);
                if (parcel.edge_distance < 0.5 && hash_unit(parcel.i, parcel.j, s + 9) < 0.3) {
                    p.set(i, Cover::Road, 0.0f);
                    continue;
                }
                const std::uint32_t id = p.field_with(parcel.key, [&] {
                    Rng frng(parcel.key ^ s);
                    return random_field(frng, frng.uniform() < 0.6 ? Cover::Grass : random_iowa_crop(frng));
                });
                p.set(i, p.field_of(id).cover, 0, id);
            } else {
                // Broadleaf low, conifer higher up.
                const double t = (z - base) / std::max(1.0, tree_line - base) + 0.3 * fbm(x, y, 30, 2, s + 8);
                p.set(i, t > 0.35 ? Cover::Conifer : Cover::Trees);
            }
        }
}

}  // namespace lssr::io::synth
