// Landscape families by name, and the builder that hands the canvas (or, for
// `mix`, each region of it) to the family's painter.
#include <algorithm>
#include <cmath>

#include "libsynth/landscape.hpp"
#include "libsynth/landscape_kit.hpp"

namespace lssr::io::synth {

const std::vector<std::string>& landscape_names() {
    static const std::vector<std::string> names{"iowa", "smallfields", "city", "coast",
                                                "forest", "mountains", "desert", "mix"};
    return names;
}

std::optional<LandscapeKind> parse_landscape(const std::string& name) {
    const auto& names = landscape_names();
    const auto it = std::find(names.begin(), names.end(), name);
    if (it == names.end()) return std::nullopt;
    return static_cast<LandscapeKind>(it - names.begin());
}

const char* landscape_name(LandscapeKind kind) { return landscape_names()[static_cast<int>(kind)].c_str(); }

namespace {

void paint(LandscapeKind kind, Painter& p) {
    switch (kind) {
        case LandscapeKind::SmallFields: paint_smallfields(p); break;
        case LandscapeKind::City: paint_city(p); break;
        case LandscapeKind::Coast: paint_coast(p); break;
        case LandscapeKind::Forest: paint_forest(p); break;
        case LandscapeKind::Mountains: paint_mountains(p); break;
        case LandscapeKind::Desert: paint_desert(p); break;
        default: break;
    }
}

// Copies the Iowa landscape into one region (fields renumbered).
void copy_iowa(Painter& p, const Landscape& iowa) {
    for (size_t i = 0; i < p.ls.pixels(); ++i) {
        if (!p.mine(i)) continue;
        const std::uint32_t f = iowa.field[i];
        p.set(i, iowa.cover[i], iowa.mix[i], f ? p.field(f, iowa.fields[f - 1]) : 0);
        p.ls.rows[i] = iowa.rows[i];
        p.ls.elevation[i] = iowa.elevation[i];
    }
}

// Box blur of the elevation (radius in pixels), to join regions of a mix without cliffs.
void smooth_elevation(Landscape& ls, int radius) {
    std::vector<float> tmp(ls.pixels());
    for (int pass = 0; pass < 2; ++pass) {
        const bool horizontal = pass == 0;
        const std::vector<float>& src = horizontal ? ls.elevation : tmp;
        std::vector<float>& dst = horizontal ? tmp : ls.elevation;
        for (int r = 0; r < ls.height; ++r)
            for (int c = 0; c < ls.width; ++c) {
                double sum = 0;
                int n = 0;
                for (int d = -radius; d <= radius; ++d) {
                    const int rr = horizontal ? r : r + d, cc = horizontal ? c + d : c;
                    if (rr < 0 || cc < 0 || rr >= ls.height || cc >= ls.width) continue;
                    sum += src[ls.index(rr, cc)];
                    ++n;
                }
                dst[ls.index(r, c)] = static_cast<float>(sum / n);
            }
    }
}

}  // namespace

Landscape build_landscape(std::uint64_t seed, int area_pixels, int margin, LandscapeKind kind) {
    if (kind == LandscapeKind::Iowa) return build_landscape(seed, area_pixels, margin);
    Landscape ls = blank_landscape(area_pixels, margin);
    const std::uint64_t kind_seed = derive_seed(seed, landscape_name(kind));
    Rng sun(derive_seed(kind_seed, "sun"));
    const double azimuth = sun.uniform(100, 170), zenith = sun.uniform(22, 50);
    if (kind != LandscapeKind::Mix) {
        Painter p(ls, kind_seed, area_pixels);
        paint(kind, p);
    } else {
        // Regions: a coarse Voronoi partition with wavy boundaries; each region
        // gets a family of its own (the first two always differ).
        Rng rng(derive_seed(kind_seed, "regions"));
        const double spacing = std::max(60.0, area_pixels / rng.uniform(1.6, 2.4));
        const Cells cells{spacing, derive_seed(kind_seed, "cells")};
        const std::uint64_t warp = derive_seed(kind_seed, "warp");
        std::vector<std::uint8_t> region(ls.pixels());
        std::vector<std::uint64_t> keys;
        for (int r = 0; r < ls.height; ++r)
            for (int c = 0; c < ls.width; ++c) {
                const double x = c + 0.5 + 0.12 * spacing * fbm(c, r, spacing / 2, 3, warp);
                const double y = r + 0.5 + 0.12 * spacing * fbm(c, r, spacing / 2, 3, warp + 5);
                const std::uint64_t key = cells.locate(x, y).key;
                auto it = std::find(keys.begin(), keys.end(), key);
                if (it == keys.end()) it = keys.insert(keys.end(), key);
                region[ls.index(r, c)] = static_cast<std::uint8_t>(std::min<size_t>(it - keys.begin(), 255));
            }
        std::vector<LandscapeKind> order{LandscapeKind::Iowa,   LandscapeKind::SmallFields, LandscapeKind::City,
                                         LandscapeKind::Coast,  LandscapeKind::Forest,      LandscapeKind::Mountains,
                                         LandscapeKind::Desert};
        for (int k = static_cast<int>(order.size()) - 1; k > 0; --k) std::swap(order[k], order[rng.below(k + 1)]);
        std::optional<Landscape> iowa;
        for (size_t id = 0; id < keys.size() && id < 256; ++id) {
            const LandscapeKind family = id < order.size() ? order[id] : order[rng.below(static_cast<int>(order.size()))];
            Painter p(ls, derive_seed(kind_seed, landscape_name(family), id), area_pixels, &region,
                      static_cast<std::uint8_t>(id));
            if (family == LandscapeKind::Iowa) {
                if (!iowa) iowa = build_landscape(derive_seed(kind_seed, "iowa"), area_pixels, margin);
                copy_iowa(p, *iowa);
            } else {
                paint(family, p);
            }
        }
        // Bring every region to a common base so that the seams are gentle.
        std::vector<double> sum(keys.size(), 0), count(keys.size(), 0);
        for (size_t i = 0; i < ls.pixels(); ++i) sum[region[i]] += ls.elevation[i], count[region[i]] += 1;
        for (size_t i = 0; i < ls.pixels(); ++i)
            ls.elevation[i] = static_cast<float>(400 + ls.elevation[i] - sum[region[i]] / std::max(1.0, count[region[i]]));
        smooth_elevation(ls, 6);
    }
    fill_textures(ls, kind_seed);
    shade_terrain(ls, azimuth, zenith);
    return ls;
}

}  // namespace lssr::io::synth
