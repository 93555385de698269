// A sea coast: deep water, shallows whose sandy bottom shows through, surf
// lines, a turbid plume off a river mouth, beaches, dunes with grass and
// shrubs, farmland and woods inland, and a harbour town with piers.
#include <algorithm>
#include <cmath>

#include "libsynth/landscape_kit.hpp"

namespace lssr::io::synth {

void paint_coast(Painter& p) {
    Landscape& ls = p.ls;
    Rng rng(derive_seed(p.seed, "coast"));
    const Meander shore = Meander::random(rng, ls, 0.05 * p.area + 5, 0.9 * p.area + 80);
    const double sea_side = rng.uniform() < 0.5 ? 1 : -1;
    const double shelf = rng.uniform(15, 45);            // pixels of shallows
    const double beach = rng.uniform(2.5, 7);            // beach width
    const double dunes = beach + rng.uniform(6, 30);     // dune belt
    const double surf_period = rng.uniform(2.2, 4.5);    // surf bands
    const std::uint64_t s = derive_seed(p.seed, "coast-texture");
    // The river reaches the sea at the canvas centre's foot on the shoreline.
    const Frame along = shore.frame;
    const double mouth_u = rng.uniform(-0.25, 0.25) * ls.width;
    const Frame river_dir(std::atan2(along.c, -along.s) + rng.uniform(-0.4, 0.4));  // roughly inland
    const double river_half = rng.uniform(1.5, 4);
    const double plume = rng.uniform(25, 70);
    // Harbour town beside the mouth.
    const double town_radius = rng.uniform(0.12, 0.22) * p.area + 20, town_angle = std::atan2(along.s, along.c);
    const Cells parcels{rng.uniform(25, 45), derive_seed(p.seed, "parcels")};
    const Frame town(town_angle);
    for (int r = 0; r < ls.height; ++r)
        for (int c = 0; c < ls.width; ++c) {
            const size_t i = ls.index(r, c);
            if (!p.mine(i)) continue;
            const double x = c + 0.5, y = r + 0.5;
            const double land = sea_side * shore.signed_distance(x, y);  // > 0 inland
            // Mouth position in canvas coordinates.
            const double mx = shore.cx + along.c * mouth_u - along.s * shore.offset;
            const double my = shore.cy + along.s * mouth_u + along.c * shore.offset;
            const double rdx = x - mx, rdy = y - my;
            const double river_v = river_dir.v(rdx, rdy) + 4 * std::sin(river_dir.u(rdx, rdy) / 25);
            const bool in_river = river_dir.u(rdx, rdy) * sea_side > -5 && std::abs(river_v) < river_half && land > -2;
            const double to_mouth = std::hypot(rdx, rdy);
            const double town_d = 0.35 * town_radius * fbm(x, y, 40, 2, s + 11) + std::hypot(x - mx - along.c * 1.5 * river_half * 4, y - my - along.s * 1.5 * river_half * 4);
            ls.elevation[i] = static_cast<float>(land <= 0 ? 0.0
                                                           : 1.5 + 0.06 * land + 10 * fbm(x, y, 200, 3, s) *
                                                                                     std::min(1.0, land / 60));
            if (land <= 0) {
                const double depth = -land;
                // Piers of the harbour reach out from the town.
                if (town_d < town_radius && depth < 14 && std::abs(std::fmod(town.u(x, y) + 1e4, 18.0) - 9) < 0.8) {
                    p.set(i, Cover::Road, 0.7f);
                    continue;
                }
                const double turbid = std::exp(-to_mouth / plume) * (0.7 + 0.3 * fbm(x, y, 12, 3, s + 1));
                const double visible = std::clamp(std::exp(-depth / (0.45 * shelf)) - 0.6 * turbid, 0.0, 1.0);
                p.set(i, Cover::Shallows, static_cast<float>(visible > 0.02 ? visible : -std::clamp(1.5 * turbid, 0.0, 1.0)));
                if (depth < shelf) {
                    // Breaking waves near the beach, in bands parallel to it.
                    const double band = 0.5 + 0.5 * std::cos(2 * M_PI * depth / surf_period + 2 * fbm(x, y, 30, 2, s + 2));
                    const double foam = depth < 4 * surf_period ? std::pow(band, 4) * std::exp(-depth / (2 * surf_period)) : 0.0;
                    ls.rows[i] = static_cast<float>(std::clamp(foam * (0.6 + 0.4 * hash_unit(c, r, s)), 0.0, 1.0));
                }
                continue;
            }
            if (in_river) {
                p.set(i, Cover::Water, 0.8f);
                continue;
            }
            if (town_d < town_radius) {  // harbour town on a grid parallel to the shore
                const Intervals bu{9.0, 0.3, s + 7}, bv{8.0, 0.3, s + 8};
                double eu = 0, ev = 0;
                const std::int64_t ku = bu.index(town.u(x, y), &eu), kv = bv.index(town.v(x, y), &ev);
                if (std::min(eu, ev) < 0.7) {
                    p.set(i, Cover::Road, 1.0f);
                } else {
                    const double h = hash_unit(ku, kv, s + 9);
                    p.set(i, h < 0.7 ? Cover::Roof : (h < 0.85 ? Cover::Built : Cover::Road),
                          static_cast<float>(h < 0.7 ? hash_unit(c / 3, r / 3, s + 10) : 0.3));
                }
                continue;
            }
            if (land < beach) {
                p.set(i, Cover::Sand, static_cast<float>(0.15 * hash_unit(0, 0, s)));
                continue;
            }
            if (land < dunes) {
                const double veg = fbm(x, y, 8, 3, s + 3);
                ls.elevation[i] += static_cast<float>(4 * (1 + std::sin(land / 3.0 + veg)));
                p.set(i, veg > 0.25 ? Cover::Shrub : veg > -0.05 ? Cover::Grass : Cover::Sand,
                      static_cast<float>(veg > 0.25 ? 0.35 : 0.1));
                continue;
            }
            // Inland: parcels of farmland, pasture and woods.
            const Cells::Hit parcel = parcels.locate(x, y);
            if (parcel.edge_distance < 0.6 && hash_unit(parcel.i, parcel.j, s + 12) < 0.4) {
                p.set(i, Cover::Trees);  // hedgerows along some parcels
                continue;
            }
            const std::uint32_t id = p.field_with(parcel.key, [&] {
                Rng frng(parcel.key ^ s);
                const double u = frng.uniform();
                return random_field(frng, u < 0.3 ? Cover::Grass : u < 0.5 ? Cover::Trees : random_iowa_crop(frng));
            });
            p.set(i, p.field_of(id).cover, 0, id);
        }
}

}  // namespace lssr::io::synth
