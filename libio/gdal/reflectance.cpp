#include "libio/gdal/reflectance.hpp"

#include <gdal_priv.h>

#include <cmath>

#include "libio/gdal/finite_values.hpp"

namespace lssr::io {

std::vector<BandScaling> reflectance_scalings(GDALDataset& dataset, const std::vector<int>& bands) {
    std::vector<BandScaling> scalings;
    for (int b : bands) scalings.push_back(resolve_scaling(*dataset.GetRasterBand(b), BandScaling{}).scaling);
    return scalings;
}

RasterBlock read_reflectance(const std::string& path, Grid& grid, size_t* invalid_pixels) {
    DatasetPtr ds = open_raster(path);
    grid = grid_of(*ds, path);
    const auto roles = reflectance_bands(*ds, path);
    const std::vector<int> bands(roles.begin(), roles.end());
    const auto scalings = reflectance_scalings(*ds, bands);
    RasterBlock block = read_block(*ds, bands, Window{0, 0, grid.width, grid.height}, path);
    const std::vector<bool> invalid = scale_in_place(block, scalings);
    // A pixel with a value that is not finite is left out of every metric, in every band.
    size_t count = 0;
    for (size_t i = 0; i < block.plane(); ++i)
        if (invalid[i]) {
            ++count;
            for (int b = 0; b < block.bands; ++b) block.band(b)[i] = NAN;
        }
    if (invalid_pixels) *invalid_pixels = count;
    return block;
}

}  // namespace lssr::io
