#pragma once
// What every dataset writer of lssr-tile shares (dataset mode, libio/tiling,
// and --self-pairs, libio/self_pairs): inputs opened once with their scaling
// (libio/products/scene_reader), DEM and land cover sampled onto an HR patch
// grid, and the specs and index fields of the patch files lssr-train reads
// (libsr/train_data).
#include <array>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "libio/gdal/bands.hpp"
#include "libio/gdal/grid.hpp"
#include "libio/gdal/raster.hpp"
#include "libio/products/scene.hpp"
#include "libio/products/scene_reader.hpp"  // OpenBand, DatasetCache, open_band

class GDALDataset;

namespace lssr::io {

// The DEM and land cover of a dataset, band 1 of each file, checked to carry a grid.
struct ElevationAndLandcover {
    std::optional<OpenBand> dem, landcover;
    double landcover_nodata = 255;  // the file's nodata when it fits a byte
};
ElevationAndLandcover open_elevation_and_landcover(DatasetCache& cache, const std::string& dem,
                                                   const std::string& landcover);

// Elevation (bilinear, scaled) and land-cover classes (categorical) on an HR patch grid, NaN = missing.
RasterBlock dem_on(const OpenBand& dem, const Grid& grid);
RasterBlock landcover_on(const OpenBand& landcover, const Grid& grid);

// Float32 files with NaN nodata: reflectance (_L8, _S2), elevation, backscatter.
RasterSpec float_spec(const Grid& grid, const std::vector<std::string>& descriptions);
// The _LC.tif file: Byte with the land cover's nodata.
RasterSpec landcover_spec(const Grid& grid, double nodata);

// Longitude/latitude of the grid's centre (NaN when the CRS cannot be transformed).
std::array<double, 2> center_lonlat(const Grid& grid);

// Per pixel: true where any band of any layer holds no value (NaN).
std::vector<bool> missing_anywhere(const std::vector<const RasterBlock*>& layers);

}  // namespace lssr::io
