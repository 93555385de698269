#pragma once
// Shared tools of the non-Iowa landscapes (landscape_<kind>.cpp): a painter that
// owns a region of the canvas, rotated frames, irregular partitions, meandering
// lines and terrain shading. Every edge they make sits at a random angle and
// position, never on the 10 m or 30 m lattice.
#include <cstdint>
#include <unordered_map>
#include <vector>

#include "libsynth/landscape.hpp"
#include "libsynth/random.hpp"

namespace lssr::io::synth {

// Shares of a central-Iowa crop landscape (defined with the Iowa landscape).
Cover random_iowa_crop(Rng& rng);

// What a landscape painter writes into: the canvas, and the region it owns
// (all of it, or one region of a `mix` landscape).
struct Painter {
    Painter(Landscape& canvas, std::uint64_t painter_seed, int area_pixels,
            const std::vector<std::uint8_t>* regions = nullptr, std::uint8_t id = 0)
        : ls(canvas), seed(painter_seed), area(area_pixels), region(regions), region_id(id) {}
    Landscape& ls;
    std::uint64_t seed;    // the painter's own seed (derived from the area's)
    int area = 0;          // study-area side in pixels
    const std::vector<std::uint8_t>* region = nullptr;  // per pixel region id; null = whole canvas
    std::uint8_t region_id = 0;
    std::unordered_map<std::uint64_t, std::uint32_t> field_ids;  // parcel key -> field id

    bool mine(std::size_t i) const { return !region || (*region)[i] == region_id; }
    // Field id of a parcel (any 64-bit key), creating the field on first sight.
    std::uint32_t field(std::uint64_t key, const Field& make);
    // The same, with the field made by make() only on first sight.
    template <typename Make>
    std::uint32_t field_with(std::uint64_t key, Make make) {
        auto it = field_ids.find(key);
        return it != field_ids.end() ? it->second : field(key, make());
    }
    const Field& field_of(std::uint32_t id) const { return ls.fields[id - 1]; }
    // Sets a pixel: cover, mix and (0 = none) field.
    void set(std::size_t i, Cover cover, float mix = 0, std::uint32_t field_id = 0) const {
        ls.cover[i] = cover;
        ls.mix[i] = mix;
        ls.field[i] = field_id;
    }
};

// A random field of a cover: sowing shift, vigour, row direction, soil.
Field random_field(Rng& rng, Cover cover);

// Coordinates along (u) and across (v) a direction `angle` (radians from east).
struct Frame {
    double c = 1, s = 0;
    explicit Frame(double angle = 0);
    double u(double x, double y) const { return x * c + y * s; }
    double v(double x, double y) const { return -x * s + y * c; }
};

// Irregular intervals along a line: boundaries near k * mean, jittered by up to
// `jitter` * mean (jitter < 0.5). Gives the interval index of t and the
// distance from t to the nearer boundary.
struct Intervals {
    double mean = 10, jitter = 0.35;
    std::uint64_t salt = 0;
    double boundary(std::int64_t k) const;
    std::int64_t index(double t, double* edge_distance = nullptr) const;
};

// A jittered-lattice Voronoi partition with cells about `spacing` pixels across.
struct Cells {
    double spacing = 100;
    std::uint64_t salt = 0;
    struct Hit {
        std::int64_t i = 0, j = 0;   // the cell's lattice index
        std::uint64_t key = 0;       // unique per cell
        double edge_distance = 0;    // pixels to the nearest cell boundary
        double x = 0, y = 0;         // the cell's site
    };
    Hit locate(double x, double y) const;
};

// A meandering line across the canvas at `angle`, `offset` pixels from the
// canvas centre; distance() is measured perpendicular to its local direction.
struct Meander {
    Frame frame;
    double cx = 0, cy = 0, offset = 0;
    double a1 = 0, l1 = 1, p1 = 0, a2 = 0, l2 = 1, p2 = 0;
    // Signed distance (pixels) from the line; positive on its left.
    double signed_distance(double x, double y) const;
    static Meander random(Rng& rng, const Landscape& ls, double amplitude, double wavelength);
};

// Distance from a point to a segment.
double segment_distance(double x, double y, double ax, double ay, double bx, double by);

// Patchiness, grain and moisture textures (the same fields Iowa draws).
void fill_textures(Landscape& ls, std::uint64_t seed);

// Shading from the elevation for a sun at azimuth/zenith (degrees).
void shade_terrain(Landscape& ls, double sun_azimuth_deg, double sun_zenith_deg);

// Painters of each landscape family, for their region of the canvas.
void paint_smallfields(Painter& p);
void paint_city(Painter& p);
void paint_coast(Painter& p);
void paint_forest(Painter& p);
void paint_mountains(Painter& p);
void paint_desert(Painter& p);

}  // namespace lssr::io::synth
