#include "libcrop/labels.hpp"

#include <gdal_priv.h>

#include <cmath>

#include "libio/core/errors.hpp"

namespace lssr::crop {

LabelRaster::LabelRaster(std::string path, const io::Grid& grid)
    : path_(std::move(path)), dataset_(io::open_raster(path_)), grid_(grid) {
    const io::Grid own = io::grid_of(*dataset_, path_);
    // The labels' pixel size measured in the grid's CRS, from their reprojected extent.
    const io::Bounds in_grid_crs = io::transform_bounds(own.bounds(), own.crs_wkt, grid.crs_wkt);
    if (!in_grid_crs.intersects(grid.bounds()))
        throw InputError(path_ + ": does not overlap the images (" + io::describe(own) + " vs " +
                         io::describe(grid) + ")");
    const double label_pixel = std::sqrt(in_grid_crs.area() / (static_cast<double>(own.width) * own.height));
    const double grid_pixel = std::sqrt(grid.pixel_width() * grid.pixel_height());
    if (label_pixel * 1.25 < grid_pixel) method_ = io::Resampling::Mode;
}

io::RasterBlock LabelRaster::read(const io::Window& window) {
    io::WarpRequest request;
    request.bands = {1};
    request.method = method_;
    return io::warp_to_grid(*dataset_, path_, grid_.window(window), request);
}

}  // namespace lssr::crop
