#include "libsynth/landscape_kit.hpp"

#include <algorithm>
#include <cmath>

namespace lssr::io::synth {

std::uint32_t Painter::field(std::uint64_t key, const Field& make) {
    auto [it, fresh] = field_ids.try_emplace(key, 0);
    if (fresh) {
        ls.fields.push_back(make);
        it->second = static_cast<std::uint32_t>(ls.fields.size());
    }
    return it->second;
}

Field random_field(Rng& rng, Cover cover) {
    Field f;
    f.cover = cover;
    f.sowing_shift_days = 6.0 * rng.normal();
    f.vigour = rng.uniform(0.8, 1.05);
    f.row_direction = rng.uniform(0, M_PI);
    f.soil_brightness = rng.uniform(0.8, 1.3);
    return f;
}

Frame::Frame(double angle) : c(std::cos(angle)), s(std::sin(angle)) {}

double Intervals::boundary(std::int64_t k) const {
    return mean * (static_cast<double>(k) + 2 * jitter * (hash_unit(k, 17, salt) - 0.5));
}

std::int64_t Intervals::index(double t, double* edge_distance) const {
    std::int64_t k = static_cast<std::int64_t>(std::floor(t / mean));
    while (t < boundary(k)) --k;
    while (t >= boundary(k + 1)) ++k;
    if (edge_distance) *edge_distance = std::min(t - boundary(k), boundary(k + 1) - t);
    return k;
}

Cells::Hit Cells::locate(double x, double y) const {
    const auto ci = static_cast<std::int64_t>(std::floor(x / spacing));
    const auto cj = static_cast<std::int64_t>(std::floor(y / spacing));
    double best = 1e300, second = 1e300;
    Hit hit;
    double bx = 0, by = 0, sx = 0, sy = 0;
    for (std::int64_t j = cj - 2; j <= cj + 2; ++j)
        for (std::int64_t i = ci - 2; i <= ci + 2; ++i) {
            const double px = (i + 0.1 + 0.8 * hash_unit(i, j, salt)) * spacing;
            const double py = (j + 0.1 + 0.8 * hash_unit(i, j, salt + 1)) * spacing;
            const double d = (px - x) * (px - x) + (py - y) * (py - y);
            if (d < best) {
                second = best, sx = bx, sy = by;
                best = d, bx = px, by = py;
                hit.i = i, hit.j = j;
            } else if (d < second) {
                second = d, sx = px, sy = py;
            }
        }
    hit.x = bx, hit.y = by;
    hit.key = (static_cast<std::uint64_t>(hit.i) * 0x9E3779B97F4A7C15ull) ^ static_cast<std::uint64_t>(hit.j) ^ salt;
    // Distance to the bisector between the two nearest sites.
    const double sep = std::hypot(sx - bx, sy - by);
    hit.edge_distance = sep > 0 ? (second - best) / (2 * sep) : 1e9;
    return hit;
}

double Meander::signed_distance(double x, double y) const {
    const double u = frame.u(x - cx, y - cy), v = frame.v(x - cx, y - cy);
    const double k1 = 2 * M_PI / l1, k2 = 2 * M_PI / l2;
    const double line = offset + a1 * std::sin(k1 * u + p1) + a2 * std::sin(k2 * u + p2);
    const double slope = a1 * k1 * std::cos(k1 * u + p1) + a2 * k2 * std::cos(k2 * u + p2);
    return (v - line) / std::sqrt(1 + slope * slope);
}

Meander Meander::random(Rng& rng, const Landscape& ls, double amplitude, double wavelength) {
    Meander m;
    m.frame = Frame(rng.uniform(0, M_PI));
    m.cx = 0.5 * ls.width;
    m.cy = 0.5 * ls.height;
    m.offset = rng.uniform(-0.2, 0.2) * ls.width;
    m.a1 = amplitude * rng.uniform(0.6, 1.2);
    m.l1 = wavelength * rng.uniform(0.7, 1.3);
    m.p1 = rng.uniform(0, 2 * M_PI);
    m.a2 = 0.25 * amplitude * rng.uniform(0.5, 1.0);
    m.l2 = 0.3 * wavelength * rng.uniform(0.7, 1.3);
    m.p2 = rng.uniform(0, 2 * M_PI);
    return m;
}

double segment_distance(double x, double y, double ax, double ay, double bx, double by) {
    const double dx = bx - ax, dy = by - ay, len2 = dx * dx + dy * dy;
    const double t = len2 > 0 ? std::clamp(((x - ax) * dx + (y - ay) * dy) / len2, 0.0, 1.0) : 0.0;
    return std::hypot(x - ax - t * dx, y - ay - t * dy);
}

void fill_textures(Landscape& ls, std::uint64_t seed) {
    const std::uint64_t s_patch = derive_seed(seed, "patchiness"), s_grain = derive_seed(seed, "grain"),
                        s_moist = derive_seed(seed, "moisture");
    for (int r = 0; r < ls.height; ++r)
        for (int c = 0; c < ls.width; ++c) {
            const size_t i = ls.index(r, c);
            const double x = c + 0.5, y = r + 0.5;
            ls.patchiness[i] = static_cast<float>(fbm(x, y, 25, 3, s_patch));
            ls.grain[i] = static_cast<float>(2.0 * (hash_unit(c, r, s_grain) + hash_unit(c, r, s_grain + 1) +
                                                    hash_unit(c, r, s_grain + 2) - 1.5));
            ls.moisture[i] = static_cast<float>(fbm(x, y, 60, 3, s_moist));
        }
}

void shade_terrain(Landscape& ls, double sun_azimuth_deg, double sun_zenith_deg) {
    const double az = sun_azimuth_deg * M_PI / 180, zen = sun_zenith_deg * M_PI / 180;
    const double sx = std::sin(zen) * std::sin(az), sy = std::sin(zen) * std::cos(az), sz = std::cos(zen);
    auto z = [&](int r, int c) {
        return ls.elevation[ls.index(std::clamp(r, 0, ls.height - 1), std::clamp(c, 0, ls.width - 1))];
    };
    for (int r = 0; r < ls.height; ++r)
        for (int c = 0; c < ls.width; ++c) {
            const double dzdx = (z(r, c + 1) - z(r, c - 1)) / 20.0, dzdy = (z(r - 1, c) - z(r + 1, c)) / 20.0;
            const double norm = std::sqrt(dzdx * dzdx + dzdy * dzdy + 1);
            const double cos_i = (-dzdx * sx - dzdy * sy + sz) / norm;
            // Diffuse sky light keeps slopes facing away from the sun from going black.
            ls.shading[ls.index(r, c)] = static_cast<float>(std::max(0.15, cos_i / sz));
        }
}

}  // namespace lssr::io::synth
