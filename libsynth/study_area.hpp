#pragma once
// The synthetic study area: a deterministic, multi-sensor set of scenes over a
// made-up patch of central Iowa, written with real product names, data types,
// scale factors, nodata values and quality bits (Sentinel-2 L2A at 10/20 m as
// the truth, Landsat C2 L2 and HLS L30/S30 at 30 m made from it, Sentinel-1 GRD,
// a DEM, Dynamic World and CDL label layers).
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "libio/core/dates.hpp"
#include "libio/gdal/grid.hpp"
#include "libio/core/progress.hpp"

namespace lssr::io::synth {

struct StudyAreaOptions {
    std::string output_dir;            // created; refused if it exists unless overwrite
    std::uint64_t seed = 1;
    double size_km = 6;                // side of the square area
    std::vector<Date> dates;           // Sentinel-2 dates; other sensors are D-1, D+1, D+2
    double cloud_fraction = 0;         // share of each 30 m scene under cloud, [0, 0.9]
    // Upper-left corner in EPSG:32615 metres, on the 30 m MGRS lattice; default:
    // the area centred near (450000, 4650000).
    std::optional<std::array<double, 2>> origin;
    bool overwrite = false;
    // Landscape family (landscape_names()): "iowa" (the default, unchanged) or one
    // of the others, whose scenes also vary in radiometry and sensor optics.
    std::string landscape = "iowa";
};

// Side of the 10 m grid in pixels for a size in km: the nearest multiple of 6
// (so the 20 m and 30 m grids fit exactly). Throws OptionError outside 1..20 km.
int area_pixels(double size_km);

// Throws OptionError for a bad size, no or repeated dates, a cloud fraction
// outside [0, 0.9], an origin off the 30 m lattice or outside UTM zone 15, or
// an unknown landscape.
void validate(const StudyAreaOptions& options);

struct StudyAreaSummary {
    Grid truth_grid;                   // the 10 m Sentinel-2 grid of the area
    int fields = 0;                    // fields (parcels) in the landscape
    std::vector<std::string> files;    // written files, relative to output_dir, sorted
};

// Writes the whole study area under a staged folder that replaces output_dir
// only when everything succeeded. Progress covers the whole run.
StudyAreaSummary generate_study_area(const StudyAreaOptions& options, const Progress& progress = {});

}  // namespace lssr::io::synth
