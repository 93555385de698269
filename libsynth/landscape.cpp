#include "libsynth/landscape.hpp"

#include <algorithm>
#include <array>
#include <cmath>

#include "libsynth/random.hpp"

namespace lssr::io::synth {

const char* cover_name(Cover cover) {
    switch (cover) {
        case Cover::Corn: return "corn";
        case Cover::Soybean: return "soybean";
        case Cover::WinterWheat: return "winter wheat";
        case Cover::Alfalfa: return "alfalfa";
        case Cover::Grass: return "grass/pasture";
        case Cover::Trees: return "trees";
        case Cover::Water: return "water";
        case Cover::Built: return "built";
        case Cover::Bare: return "bare";
        case Cover::Road: return "road";
        case Cover::Conifer: return "conifer forest";
        case Cover::Shrub: return "shrub";
        case Cover::Wetland: return "wetland";
        case Cover::Sand: return "sand";
        case Cover::Rock: return "rock";
        case Cover::Roof: return "roof";
        case Cover::Shallows: return "shallow water";
    }
    return "?";
}

std::uint8_t dynamic_world_label(Cover cover) {
    switch (cover) {
        case Cover::Water:
        case Cover::Shallows: return 0;
        case Cover::Trees:
        case Cover::Conifer: return 1;
        case Cover::Wetland: return 3;
        case Cover::Shrub: return 5;
        case Cover::Roof: return 6;
        case Cover::Sand:
        case Cover::Rock: return 7;
        case Cover::Grass: return 2;
        case Cover::Corn:
        case Cover::Soybean:
        case Cover::WinterWheat:
        case Cover::Alfalfa: return 4;
        case Cover::Built:
        case Cover::Road: return 6;
        case Cover::Bare: return 7;
    }
    return 7;
}

std::uint8_t cdl_code(Cover cover) {
    switch (cover) {
        case Cover::Corn: return 1;
        case Cover::Soybean: return 5;
        case Cover::WinterWheat: return 24;
        case Cover::Alfalfa: return 36;
        case Cover::Grass: return 176;
        case Cover::Trees: return 141;
        case Cover::Water: return 111;
        case Cover::Built: return 123;  // developed, medium intensity
        case Cover::Bare: return 131;
        case Cover::Road: return 121;   // CDL puts rural roads in developed/open space
        case Cover::Conifer: return 142;  // evergreen forest
        case Cover::Shrub: return 152;    // shrubland
        case Cover::Wetland: return 195;  // herbaceous wetlands
        case Cover::Sand:
        case Cover::Rock: return 131;     // barren
        case Cover::Roof: return 124;     // developed, high intensity
        case Cover::Shallows: return 111;
    }
    return 0;
}

namespace {

constexpr int kCell = 32;          // field lattice spacing in 10 m pixels (320 m)
constexpr int kRoadEvery = 5;      // a road on every 5th lattice line (1.6 km, Iowa's mile grid)
constexpr double kRoadHalf = 0.8;  // road half-width in pixels (gravel road and shoulders)
constexpr double kDitchHalf = 1.7; // grass ditches either side of the road

struct Point {
    double x, y;
};

// The jittered lattice of field corners. Corners on road lines only move along
// the road so that roads stay straight, as section-line roads do.
struct Lattice {
    int i0 = -1, j0 = -1, ni = 0, nj = 0;
    int road_phase_x = 0, road_phase_y = 0;
    std::vector<Point> corner;

    bool road_x(int i) const { return ((i + road_phase_x) % kRoadEvery + kRoadEvery) % kRoadEvery == 0; }
    bool road_y(int j) const { return ((j + road_phase_y) % kRoadEvery + kRoadEvery) % kRoadEvery == 0; }
    const Point& at(int i, int j) const { return corner[(j - j0) * ni + (i - i0)]; }
    int quads_x() const { return ni - 1; }
    int quads_y() const { return nj - 1; }
    int quad_index(int i, int j) const { return (j - j0) * quads_x() + (i - i0); }
};

Lattice make_lattice(Rng& rng, int width, int height) {
    Lattice l;
    l.ni = width / kCell + 3;
    l.nj = height / kCell + 3;
    l.road_phase_x = rng.below(kRoadEvery);
    l.road_phase_y = rng.below(kRoadEvery);
    const double jitter = 0.22 * kCell;
    l.corner.resize(static_cast<size_t>(l.ni) * l.nj);
    for (int j = l.j0; j < l.j0 + l.nj; ++j)
        for (int i = l.i0; i < l.i0 + l.ni; ++i) {
            const double jx = rng.uniform(-jitter, jitter), jy = rng.uniform(-jitter, jitter);
            l.corner[(j - l.j0) * l.ni + (i - l.i0)] = {
                i * kCell + (l.road_x(i) ? 0.0 : jx), j * kCell + (l.road_y(j) ? 0.0 : jy)};
        }
    return l;
}

// Where a pixel centre falls in the lattice: its quad and its distance (in
// pixels) to the nearest edge of the quad that is a road.
struct QuadHit {
    int quad = -1;
    double road_distance = 1e9;
};

double cross(const Point& a, const Point& b, const Point& q) {
    return (b.x - a.x) * (q.y - a.y) - (b.y - a.y) * (q.x - a.x);
}

QuadHit locate(const Lattice& l, const Point& q) {
    const int ci = static_cast<int>(std::floor(q.x / kCell)), cj = static_cast<int>(std::floor(q.y / kCell));
    QuadHit hit;
    for (int dj = -1; dj <= 1; ++dj)
        for (int di = -1; di <= 1; ++di) {
            const int i = ci + di, j = cj + dj;
            if (i < l.i0 || j < l.j0 || i + 1 >= l.i0 + l.ni || j + 1 >= l.j0 + l.nj) continue;
            const std::array<Point, 4> p{l.at(i, j), l.at(i + 1, j), l.at(i + 1, j + 1), l.at(i, j + 1)};
            const std::array<bool, 4> road{l.road_y(j), l.road_x(i + 1), l.road_y(j + 1), l.road_x(i)};
            std::array<double, 4> d{};
            bool inside = true;
            for (int e = 0; e < 4; ++e) {
                const Point& a = p[e];
                const Point& b = p[(e + 1) % 4];
                d[e] = cross(a, b, q) / std::hypot(b.x - a.x, b.y - a.y);
                if (d[e] < 0) inside = false;
            }
            if (!inside) continue;
            hit.quad = l.quad_index(i, j);
            for (int e = 0; e < 4; ++e)
                if (road[e]) hit.road_distance = std::min(hit.road_distance, d[e]);
            return hit;
        }
    return hit;
}

// A meandering river crossing the canvas (west-east or north-south).
struct River {
    bool north_south = false;
    double centre = 0, a1 = 0, l1 = 1, p1 = 0, a2 = 0, l2 = 1, p2 = 0;
    std::uint64_t salt = 0;

    // Distance (pixels) from the centre line and the local half-width.
    void measure(double x, double y, double& distance, double& half_width) const {
        const double u = north_south ? y : x, v = north_south ? x : y;
        const double k1 = 2 * M_PI / l1, k2 = 2 * M_PI / l2;
        const double c = centre + a1 * std::sin(k1 * u + p1) + a2 * std::sin(k2 * u + p2);
        const double slope = a1 * k1 * std::cos(k1 * u + p1) + a2 * k2 * std::cos(k2 * u + p2);
        distance = std::abs(v - c) / std::sqrt(1 + slope * slope);
        half_width = 1.6 + 0.8 * (value_noise(u / 40.0, 0.5, salt) + 1);
    }
};

}  // namespace

Cover random_iowa_crop(Rng& rng) {
    // Shares of a central-Iowa landscape: mostly corn and soybean.
    static const std::array<std::pair<Cover, double>, 7> shares{{{Cover::Corn, 0.38},
                                                                 {Cover::Soybean, 0.32},
                                                                 {Cover::WinterWheat, 0.05},
                                                                 {Cover::Alfalfa, 0.06},
                                                                 {Cover::Grass, 0.10},
                                                                 {Cover::Trees, 0.06},
                                                                 {Cover::Bare, 0.03}}};
    double total = 0;
    for (const auto& s : shares) total += s.second;
    double u = rng.uniform() * total;
    for (const auto& s : shares) {
        if (u < s.second) return s.first;
        u -= s.second;
    }
    return Cover::Corn;
}

namespace {

// Gives every quad its field. The town and one field of each class every area
// must show come first; then some neighbouring quads are merged into larger
// fields (`owner` maps a quad to the quad whose field it shares), never across
// roads and never swallowing those reserved quads.
void assign_fields(Rng& rng, const Lattice& l, int margin, int area, std::vector<Field>& fields,
                   std::vector<int>& owner) {
    const int nq = l.quads_x() * l.quads_y(), qx = l.quads_x();
    fields.assign(nq, Field{});
    for (int q = 0; q < nq; ++q) {
        Field& f = fields[q];
        f.cover = random_iowa_crop(rng);
        f.sowing_shift_days = 4.0 * rng.normal();
        f.vigour = rng.uniform(0.88, 1.04);
        f.row_direction = rng.uniform() < 0.5 ? 0.0 : 0.5 * M_PI;
        f.soil_brightness = rng.uniform(0.85, 1.2);
    }
    std::vector<int> in_area;  // quads whose centre lies inside the study area
    for (int j = l.j0; j < l.j0 + l.quads_y(); ++j)
        for (int i = l.i0; i < l.i0 + qx; ++i) {
            const Point a = l.at(i, j), c = l.at(i + 1, j + 1);
            const double cx = 0.5 * (a.x + c.x), cy = 0.5 * (a.y + c.y);
            if (cx >= margin && cx < margin + area && cy >= margin && cy < margin + area)
                in_area.push_back(l.quad_index(i, j));
        }
    // Shuffle (Fisher-Yates with our own RNG): the first quads get the town and
    // the required classes.
    for (int k = static_cast<int>(in_area.size()) - 1; k > 0; --k) std::swap(in_area[k], in_area[rng.below(k + 1)]);
    std::vector<bool> reserved(nq, false);
    if (!in_area.empty()) {
        const double area_km2 = std::pow(area * 10.0 / 1000.0, 2);
        const int town_cells = std::max(1, static_cast<int>(std::lround(area_km2 / 10.0)));
        std::vector<int> town{in_area.front()};
        for (int step = 0; static_cast<int>(town.size()) < town_cells && step < 50 * town_cells; ++step) {
            const int from = town[rng.below(static_cast<int>(town.size()))];
            static const int di[] = {1, -1, 0, 0}, dj[] = {0, 0, 1, -1};
            const int d = rng.below(4);
            const int qi = from % qx + di[d], qj = from / qx + dj[d];
            if (qi < 0 || qj < 0 || qi >= qx || qj >= l.quads_y()) continue;
            if (std::find(town.begin(), town.end(), qj * qx + qi) == town.end()) town.push_back(qj * qx + qi);
        }
        for (int q : town) {
            fields[q].cover = Cover::Built;
            reserved[q] = true;
        }
        static const Cover required[] = {Cover::Corn,  Cover::Soybean, Cover::WinterWheat, Cover::Alfalfa,
                                         Cover::Grass, Cover::Trees,   Cover::Bare};
        size_t next = 1;
        for (Cover c : required) {
            while (next < in_area.size() && reserved[in_area[next]]) ++next;
            if (next >= in_area.size()) break;
            fields[in_area[next]].cover = c;
            reserved[in_area[next++]] = true;
        }
    }
    owner.resize(nq);
    for (int q = 0; q < nq; ++q) owner[q] = q;
    auto free_quad = [&](int q) { return !reserved[q] && owner[q] == q; };
    for (int j = l.j0; j < l.j0 + l.quads_y(); ++j)
        for (int i = l.i0; i < l.i0 + qx; ++i) {
            const int q = l.quad_index(i, j);
            if (owner[q] != q || fields[q].cover == Cover::Built) continue;
            const double u = rng.uniform();
            if (u < 0.2 && i + 1 < l.i0 + qx && !l.road_x(i + 1) && free_quad(l.quad_index(i + 1, j)))
                owner[l.quad_index(i + 1, j)] = q;
            else if (u < 0.4 && j + 1 < l.j0 + l.quads_y() && !l.road_y(j + 1) && free_quad(l.quad_index(i, j + 1)))
                owner[l.quad_index(i, j + 1)] = q;
        }
}

}  // namespace

Landscape blank_landscape(int area_pixels, int margin) {
    Landscape ls;
    ls.margin = margin;
    ls.width = ls.height = area_pixels + 2 * margin;
    const size_t n = ls.pixels();
    ls.cover.assign(n, Cover::Grass);
    ls.field.assign(n, 0);
    ls.patchiness.assign(n, 0);
    ls.grain.assign(n, 0);
    ls.rows.assign(n, 0);
    ls.mix.assign(n, 0);
    ls.moisture.assign(n, 0);
    ls.elevation.assign(n, 0);
    ls.shading.assign(n, 1);
    return ls;
}

Landscape build_landscape(std::uint64_t seed, int area_pixels, int margin) {
    Landscape ls = blank_landscape(area_pixels, margin);
    const size_t n = ls.pixels();

    Rng rng(derive_seed(seed, "lattice"));
    const Lattice lattice = make_lattice(rng, ls.width, ls.height);
    std::vector<Field> quad_fields;
    std::vector<int> owner;
    Rng field_rng(derive_seed(seed, "fields"));
    assign_fields(field_rng, lattice, margin, area_pixels, quad_fields, owner);

    Rng river_rng(derive_seed(seed, "river"));
    River river;
    river.north_south = river_rng.uniform() < 0.5;
    river.centre = margin + area_pixels * river_rng.uniform(0.3, 0.7);
    river.a1 = area_pixels * river_rng.uniform(0.04, 0.09) + 6;
    river.l1 = area_pixels * river_rng.uniform(0.5, 0.9) + 60;
    river.p1 = river_rng.uniform(0, 2 * M_PI);
    river.a2 = river_rng.uniform(2, 6);
    river.l2 = river_rng.uniform(40, 90);
    river.p2 = river_rng.uniform(0, 2 * M_PI);
    river.salt = derive_seed(seed, "river-width");
    // A farm pond somewhere in the area.
    const Point pond{margin + area_pixels * river_rng.uniform(0.15, 0.85),
                     margin + area_pixels * river_rng.uniform(0.15, 0.85)};
    const double pond_radius = river_rng.uniform(3.5, 7.0);

    const std::uint64_t s_patch = derive_seed(seed, "patchiness"), s_grain = derive_seed(seed, "grain"),
                        s_moist = derive_seed(seed, "moisture"), s_buffer = derive_seed(seed, "riparian"),
                        s_town = derive_seed(seed, "town"), s_elev = derive_seed(seed, "elevation");
    std::vector<int> compact(quad_fields.size(), 0);  // quad -> field id in order of appearance
    std::vector<float> river_distance(n);
    for (int r = 0; r < ls.height; ++r)
        for (int c = 0; c < ls.width; ++c) {
            const size_t i = ls.index(r, c);
            const Point q{c + 0.5, r + 0.5};
            QuadHit hit = locate(lattice, q);
            if (hit.quad >= 0) hit.quad = owner[hit.quad];
            Cover cover = hit.quad >= 0 ? quad_fields[hit.quad].cover : Cover::Grass;
            bool in_field = hit.quad >= 0;
            float mix = 0;
            if (cover == Cover::Built) {
                // Town blocks are not fields: streets every ~110 m, then roofs,
                // pavement, lawns and trees.
                in_field = false;
                if ((c % 11) == 0 || (r % 11) == 0) {
                    cover = Cover::Road;
                    mix = 1;  // asphalt
                } else {
                    mix = static_cast<float>(0.15 + 0.5 * hash_unit(c, r, s_town));
                }
            }
            if (hit.road_distance < kRoadHalf) {
                cover = Cover::Road;
                mix = 0;  // gravel: the bright lines of the section roads
                in_field = false;
            } else if (hit.road_distance < kDitchHalf) {
                cover = Cover::Grass;
                in_field = false;
            }
            double d = 0, half = 0;
            river.measure(q.x, q.y, d, half);
            river_distance[i] = static_cast<float>(std::max(0.0, d - half));
            const bool on_road = cover == Cover::Road && mix == 0;  // bridges cross the river
            const double buffer = 3 + 6 * (fbm(q.x, q.y, 30, 2, s_buffer) + 1) / 2;
            const bool in_pond = std::hypot(q.x - pond.x, q.y - pond.y) < pond_radius;
            if (!on_road && (d < half || in_pond)) {
                cover = Cover::Water;
                mix = static_cast<float>(0.5 + 0.5 * fbm(q.x, q.y, 40, 2, s_moist + 7));
                in_field = false;
            } else if (!on_road && cover != Cover::Road && d < half + buffer) {
                cover = Cover::Trees;
                in_field = false;
            }
            ls.cover[i] = cover;
            ls.mix[i] = mix;
            if (in_field) {
                int& id = compact[hit.quad];
                if (id == 0) {
                    ls.fields.push_back(quad_fields[hit.quad]);
                    id = static_cast<int>(ls.fields.size());
                }
                ls.field[i] = static_cast<std::uint32_t>(id);
                const double a = ls.fields[id - 1].row_direction;
                // Rows a little finer than the pixels: an aliased stripe pattern.
                ls.rows[i] = static_cast<float>(std::sin(2 * M_PI * (q.x * std::sin(a) + q.y * std::cos(a)) / 2.4));
            }
            ls.patchiness[i] = static_cast<float>(fbm(q.x, q.y, 25, 3, s_patch));
            ls.grain[i] = static_cast<float>(2.0 * (hash_unit(c, r, s_grain) + hash_unit(c, r, s_grain + 1) +
                                                    hash_unit(c, r, s_grain + 2) - 1.5));
            ls.moisture[i] = static_cast<float>(fbm(q.x, q.y, 60, 3, s_moist));
        }

    // Terrain: rolling till plain cut by the river valley (metres).
    for (int r = 0; r < ls.height; ++r)
        for (int c = 0; c < ls.width; ++c) {
            const size_t i = ls.index(r, c);
            const double valley = 9.0 * std::exp(-std::pow(river_distance[i] * 10.0 / 300.0, 2));
            ls.elevation[i] = static_cast<float>(330.0 + 16.0 * fbm(c, r, 400, 3, s_elev) +
                                                 3.0 * fbm(c, r, 60, 2, s_elev + 1) - valley);
        }
    // Shading for a summer morning sun (azimuth 135 deg, zenith 30 deg).
    const double az = 135.0 * M_PI / 180, zen = 30.0 * M_PI / 180;
    const double sx = std::sin(zen) * std::sin(az), sy = std::sin(zen) * std::cos(az), sz = std::cos(zen);
    for (int r = 1; r + 1 < ls.height; ++r)
        for (int c = 1; c + 1 < ls.width; ++c) {
            const double dzdx = (ls.elevation[ls.index(r, c + 1)] - ls.elevation[ls.index(r, c - 1)]) / 20.0;
            const double dzdy = (ls.elevation[ls.index(r - 1, c)] - ls.elevation[ls.index(r + 1, c)]) / 20.0;
            const double norm = std::sqrt(dzdx * dzdx + dzdy * dzdy + 1);
            const double cos_i = (-dzdx * sx - dzdy * sy + sz) / norm;
            ls.shading[ls.index(r, c)] = static_cast<float>(std::max(0.2, cos_i / sz));
        }
    return ls;
}

}  // namespace lssr::io::synth
