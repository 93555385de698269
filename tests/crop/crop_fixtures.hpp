#pragma once
// Generated crop areas for the libcrop tests: square fields of three classes
// (corn, soybeans, grass) with distinct spectra per date plus noise, written as
// 6-band reflectance images (Int16, scale 0.0001, nodata -9999, role
// descriptions) and as CDL label rasters on any grid.
#include <cstdint>
#include <optional>
#include <string>

#include "libio/gdal/grid.hpp"

namespace lssr::crop::test {

inline constexpr int kCorn = 1, kSoybeans = 5, kGrass = 176;
inline constexpr double kFieldSize = 150.0;  // metres, in UTM 15N

// CDL code of the field that contains UTM 15N point (x, y).
int field_class(double x, double y);
// Distance (m) from (x, y) to the nearest field edge.
double distance_to_field_edge(double x, double y);

struct ImageSpec {
    int date = 0;                               // 0 = June-like spectra, 1 = July-like
    std::uint64_t seed = 1;
    double noise = 0.01;                        // reflectance standard deviation
    std::optional<io::Window> nodata_window;    // pixels written as nodata
    bool describe_roles = true;                 // band descriptions blue..swir2
    int extra_bands = 0;                        // bands after the six (described "extra")
};

void write_image(const std::string& path, const io::Grid& grid, const ImageSpec& spec);

// CDL labels of the fields on `grid` (nodata 0); pixel centres decide.
void write_labels(const std::string& path, const io::Grid& grid);

// The same labels in EPSG:5070 (CONUS Albers) at `pixel` metres covering `utm`.
io::Grid albers_grid_covering(const io::Grid& utm, double pixel);
void write_albers_labels(const std::string& path, const io::Grid& albers);

}  // namespace lssr::crop::test
