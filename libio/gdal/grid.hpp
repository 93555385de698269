#pragma once
// Raster grids: CRS + affine geotransform + size, and the geometry the tools need
// (footprints, alignment, refined 3x grids, sub-windows).
#include <array>
#include <memory>
#include <string>

class OGRCoordinateTransformation;

class GDALDataset;

namespace lssr::io {

// Axis-aligned box in some CRS (x = easting/longitude, y = northing/latitude).
struct Bounds {
    double min_x = 0, min_y = 0, max_x = 0, max_y = 0;

    double width() const { return max_x - min_x; }
    double height() const { return max_y - min_y; }
    double area() const { return width() > 0 && height() > 0 ? width() * height() : 0.0; }
    bool intersects(const Bounds& other) const;
    Bounds intersection(const Bounds& other) const;  // empty (area 0) when disjoint
};

// A pixel window of a grid (column/row offset and size, in pixels).
struct Window {
    int col = 0, row = 0, width = 0, height = 0;
    long long pixels() const { return static_cast<long long>(width) * height; }
};

struct Grid {
    std::string crs_wkt;                       // WKT of the CRS ("" = none)
    std::array<double, 6> transform{0, 1, 0, 0, 0, -1};  // GDAL geotransform
    int width = 0;
    int height = 0;

    double origin_x() const { return transform[0]; }
    double origin_y() const { return transform[3]; }
    double pixel_width() const { return transform[1]; }
    double pixel_height() const { return -transform[5]; }  // positive for north-up
    bool north_up() const { return transform[2] == 0 && transform[4] == 0 && transform[5] < 0; }

    Bounds bounds() const;
    // Same origin and CRS, pixels `factor` times smaller, `factor` times more of them.
    Grid refined(int factor) const;
    // A sub-grid starting at pixel (col,row); may extend past this grid's edges.
    Grid window(const Window& w) const;
    // Pixel (fractional) coordinates of a map coordinate.
    void map_to_pixel(double x, double y, double& col, double& row) const;
};

// The grid of an open dataset. Throws InputError (naming `path`) when the dataset
// has no CRS or no geotransform, or is rotated: every tool needs a north-up grid.
Grid grid_of(GDALDataset& dataset, const std::string& path);

// Compares CRSs by their parameters (OSRIsSame), not their authority codes.
bool same_crs(const std::string& wkt_a, const std::string& wkt_b);

// WKT for a user CRS string ("EPSG:32615", PROJ string, WKT). Throws OptionError.
std::string crs_from_user_input(const std::string& text);

// EPSG code of a CRS, or 0 when it has none.
int epsg_code(const std::string& wkt);

// Transforms a box between CRSs, densifying edges so curved outlines are covered.
// Geographic CRSs use longitude/latitude order.
Bounds transform_bounds(const Bounds& bounds, const std::string& from_wkt,
                        const std::string& to_wkt, int densify = 21);

// Points from one CRS to another (any user CRS text: WKT, "EPSG:4326", PROJ);
// x = easting/longitude in both. The one point transform of the suite.
class PointTransform {
public:
    // Throws InputError when a CRS cannot be read or no transformation exists.
    PointTransform(const std::string& from_crs, const std::string& to_crs);
    ~PointTransform();
    PointTransform(PointTransform&&) noexcept;
    PointTransform& operator=(PointTransform&&) noexcept;
    // Transforms (x, y) in place; false when the point has no image.
    bool apply(double& x, double& y) const;

private:
    std::unique_ptr<OGRCoordinateTransformation> ct_;
};

// Footprint of a grid in WGS84 longitude/latitude.
Bounds footprint_lonlat(const Grid& grid);

// True when two grids share CRS, pixel size and have origins on each other's
// pixel lattice (within tolerance, a fraction of a pixel).
bool aligned(const Grid& a, const Grid& b, double tolerance = 1e-6);

// True when the grids are identical (CRS, transform within tolerance, size).
bool same_grid(const Grid& a, const Grid& b, double tolerance = 1e-6);

// A north-up grid in `crs_wkt` covering `bounds` at `resolution`, its origin
// snapped to multiples of the resolution (like gdalwarp -tap).
Grid grid_covering(const std::string& crs_wkt, const Bounds& bounds, double resolution);

// Human-readable summary for messages: "EPSG:32615 30x30 m 64x64 px at (500000, 4200000)".
std::string describe(const Grid& grid);

}  // namespace lssr::io
