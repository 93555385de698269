#pragma once
// The static part of the synthetic study area: fields with crop types, roads,
// a river with riparian trees, a small town, terrain. Dates only change how
// these surfaces look (see spectra.hpp), never where they are.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace lssr::io::synth {

// Surface types. Each has its own spectra and maps onto Dynamic World and CDL.
enum class Cover : std::uint8_t {
    Corn, Soybean, WinterWheat, Alfalfa, Grass, Trees, Water, Built, Bare, Road,
    // Covers of the non-Iowa landscapes (landscape_<kind>.cpp); Iowa never uses them.
    Conifer,   // evergreen needleleaf forest
    Shrub,     // sparse shrubs over bare soil; mix = shrub cover fraction
    Wetland,   // emergent marsh vegetation over standing water
    Sand,      // beaches and dunes; mix = tint (0 pale quartz .. 1 reddish)
    Rock,      // bare rock and scree; mix = lithology brightness
    Roof,      // buildings; mix picks the roof material
    Shallows   // sea; mix >= 0 bottom visibility, < 0 minus turbidity; rows = surf foam fraction
};
inline constexpr int kCoverCount = 17;
inline bool is_water(Cover cover) { return cover == Cover::Water || cover == Cover::Shallows; }
const char* cover_name(Cover cover);
std::uint8_t dynamic_world_label(Cover cover);  // 0 water ... 7 bare
std::uint8_t cdl_code(Cover cover);             // USDA CDL code

// What varies from field to field (management, sowing date, soil).
struct Field {
    Cover cover = Cover::Grass;
    double sowing_shift_days = 0;  // later (positive) or earlier green-up
    double vigour = 1;             // peak canopy cover multiplier
    double row_direction = 0;      // radians; rows run along the field
    double soil_brightness = 1;    // multiplier on the soil spectrum
};

// Everything is on a 10 m canvas (north-up, row 0 at the top) that is the study
// area plus `margin` pixels on every side, so that sensor blur and shifts at the
// area's edges see real surface, not padding.
struct Landscape {
    int width = 0, height = 0, margin = 0;
    std::vector<Cover> cover;          // per pixel
    std::vector<std::uint32_t> field;  // 1-based index into fields; 0 = not in a field
    std::vector<Field> fields;         // fields[id - 1]
    std::vector<float> patchiness;     // smooth within-field variation, about [-1, 1]
    std::vector<float> grain;          // pixel-level texture, about N(0, 1)
    std::vector<float> rows;           // row pattern, [-1, 1]
    std::vector<float> mix;            // town: lawn/tree fraction; water: turbidity, [0, 1]
    std::vector<float> moisture;       // soil moisture anomaly, about [-1, 1]
    std::vector<float> elevation;      // metres above sea level
    std::vector<float> shading;        // cos(incidence)/cos(sun zenith) for a summer sun

    std::size_t index(int row, int col) const { return static_cast<std::size_t>(row) * width + col; }
    std::size_t pixels() const { return static_cast<std::size_t>(width) * height; }
};

// The landscape families the generator can build (`lssr-synth --landscape`).
enum class LandscapeKind { Iowa, SmallFields, City, Coast, Forest, Mountains, Desert, Mix };
const std::vector<std::string>& landscape_names();  // "iowa", "smallfields", ... in enum order
std::optional<LandscapeKind> parse_landscape(const std::string& name);
const char* landscape_name(LandscapeKind kind);

// A canvas of grass, flat and unshaded, every layer sized: what each
// landscape paints on.
Landscape blank_landscape(int area_pixels, int margin);

// Builds the Iowa farm landscape for a seed. `area_pixels` is the side of the study area
// in 10 m pixels; the canvas adds `margin` pixels on each side. Every cover type
// appears at least once (fields are assigned so), whatever the size.
Landscape build_landscape(std::uint64_t seed, int area_pixels, int margin);

// Builds a landscape of any kind; Iowa gives exactly build_landscape(seed, ...).
Landscape build_landscape(std::uint64_t seed, int area_pixels, int margin, LandscapeKind kind);

}  // namespace lssr::io::synth
