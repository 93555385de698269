#pragma once
// A label raster (CDL codes) in any CRS and resolution, warped window by window
// onto the image grid: nearest neighbour, or mode when the labels are finer than
// the grid (so a coarse pixel takes its majority class).
#include <string>

#include "libio/gdal/gdal_dataset.hpp"
#include "libio/gdal/grid.hpp"
#include "libio/gdal/raster.hpp"
#include "libio/gdal/warp.hpp"

namespace lssr::crop {

class LabelRaster {
public:
    // Throws InputError naming the file when it cannot be opened or does not
    // overlap the grid at all.
    LabelRaster(std::string path, const io::Grid& grid);

    io::Resampling method() const { return method_; }
    const std::string& path() const { return path_; }
    // CDL codes over a window of the grid (band 1); NaN where the labels have
    // nodata or do not cover the pixel.
    io::RasterBlock read(const io::Window& window);

private:
    std::string path_;
    io::DatasetPtr dataset_;
    io::Grid grid_;
    io::Resampling method_ = io::Resampling::Nearest;
};

}  // namespace lssr::crop
