#include "crop_fixtures.hpp"

#include <gdal_priv.h>
#include <ogr_spatialref.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <random>
#include <stdexcept>

#include "libio/gdal/raster.hpp"

namespace lssr::crop::test {
namespace {

constexpr double kOriginX = 500000.0, kOriginY = 4200000.0;

// Reflectance blue..swir2 per class and date: crops differ most in NIR/SWIR.
const float* spectrum(int code, int date) {
    static const float corn[2][6] = {{0.04f, 0.07f, 0.05f, 0.42f, 0.24f, 0.12f},
                                     {0.03f, 0.06f, 0.04f, 0.52f, 0.21f, 0.09f}};
    static const float soy[2][6] = {{0.06f, 0.09f, 0.10f, 0.26f, 0.30f, 0.20f},
                                    {0.03f, 0.07f, 0.04f, 0.46f, 0.20f, 0.10f}};
    static const float grass[2][6] = {{0.08f, 0.10f, 0.12f, 0.22f, 0.28f, 0.22f},
                                      {0.07f, 0.09f, 0.11f, 0.24f, 0.29f, 0.23f}};
    const int d = std::clamp(date, 0, 1);
    if (code == kCorn) return corn[d];
    if (code == kSoybeans) return soy[d];
    return grass[d];
}

long long floor_div(double v, double size) { return static_cast<long long>(std::floor(v / size)); }

}  // namespace

int field_class(double x, double y) {
    const long long i = floor_div(x - kOriginX, kFieldSize), j = floor_div(kOriginY - y, kFieldSize);
    static const int codes[3] = {kCorn, kSoybeans, kGrass};
    return codes[(((i + 2 * j) % 3) + 3) % 3];
}

double distance_to_field_edge(double x, double y) {
    const double fx = std::fmod(std::fmod(x - kOriginX, kFieldSize) + kFieldSize, kFieldSize);
    const double fy = std::fmod(std::fmod(kOriginY - y, kFieldSize) + kFieldSize, kFieldSize);
    return std::min({fx, kFieldSize - fx, fy, kFieldSize - fy});
}

void write_image(const std::string& path, const io::Grid& grid, const ImageSpec& spec) {
    io::RasterSpec raster;
    raster.grid = grid;
    raster.bands = 6 + spec.extra_bands;
    raster.type = GDT_Int16;
    raster.nodata = -9999;
    for (int b = 0; b < raster.bands; ++b) {
        static const char* roles[] = {"blue", "green", "red", "nir", "swir1", "swir2"};
        raster.descriptions.push_back(!spec.describe_roles ? "" : b < 6 ? roles[b] : "extra");
        raster.scalings.push_back({0.0001, 0.0, -9999.0});
    }
    io::RasterBlock block(raster.bands, grid.width, grid.height);
    std::mt19937_64 rng(spec.seed);
    std::normal_distribution<float> noise(0.0f, static_cast<float>(spec.noise));
    for (int r = 0; r < grid.height; ++r)
        for (int c = 0; c < grid.width; ++c) {
            const double x = grid.transform[0] + (c + 0.5) * grid.transform[1];
            const double y = grid.transform[3] + (r + 0.5) * grid.transform[5];
            const float* rho = spectrum(field_class(x, y), spec.date);
            const io::Window& w = spec.nodata_window.value_or(io::Window{});
            const bool missing = spec.nodata_window && c >= w.col && c < w.col + w.width && r >= w.row &&
                                 r < w.row + w.height;
            for (int b = 0; b < raster.bands; ++b) {
                const float value = b < 6 ? rho[b] + noise(rng) : 0.5f;
                block.at(b, r, c) = missing ? -9999.0f : std::round(std::clamp(value, 0.0f, 1.0f) * 10000.0f);
            }
        }
    io::write_raster(path, raster, block, io::OutputOptions{});
}

void write_labels(const std::string& path, const io::Grid& grid) {
    io::RasterSpec raster;
    raster.grid = grid;
    raster.type = GDT_Byte;
    raster.nodata = 0;
    io::RasterBlock block(1, grid.width, grid.height);
    // Pixel centres are transformed into UTM 15N when the grid is in another CRS.
    const io::PointTransform to_utm15(grid.crs_wkt, "EPSG:32615");
    for (int r = 0; r < grid.height; ++r)
        for (int c = 0; c < grid.width; ++c) {
            double x = grid.transform[0] + (c + 0.5) * grid.transform[1];
            double y = grid.transform[3] + (r + 0.5) * grid.transform[5];
            if (!to_utm15.apply(x, y)) throw std::runtime_error("transform failed");
            block.at(0, r, c) = static_cast<float>(field_class(x, y));
        }
    io::write_raster(path, raster, block, io::OutputOptions{});
}

io::Grid albers_grid_covering(const io::Grid& utm, double pixel) {
    const std::string albers = io::crs_from_user_input("EPSG:5070");
    io::Bounds b = io::transform_bounds(utm.bounds(), utm.crs_wkt, albers);
    b.min_x -= 2 * pixel;
    b.min_y -= 2 * pixel;
    b.max_x += 2 * pixel;
    b.max_y += 2 * pixel;
    return io::grid_covering(albers, b, pixel);
}

void write_albers_labels(const std::string& path, const io::Grid& albers) { write_labels(path, albers); }

}  // namespace lssr::crop::test
