#pragma once
// Resampling any raster onto a target grid with GDAL's warper.
#include <optional>
#include <string>
#include <vector>

#include "libio/gdal/grid.hpp"
#include "libio/gdal/raster.hpp"

namespace lssr::io {

enum class Resampling { Nearest, Bilinear, Cubic, CubicSpline, Lanczos, Average, Mode };

// Accepts gdalwarp's names (near/nearest, bilinear, cubic, cubicspline, lanczos,
// average, mode); throws OptionError otherwise.
Resampling parse_resampling(const std::string& name);
const char* resampling_name(Resampling method);

struct WarpRequest {
    std::vector<int> bands{1};               // source bands, 1-based
    Resampling method = Resampling::Bilinear;
    std::optional<double> source_nodata;     // overrides the file's nodata when set
};

// Warps the requested bands of `source` onto `target`. Returns stored values
// (no scaling) with missing pixels (outside the source, or nodata) as NaN.
RasterBlock warp_to_grid(GDALDataset& source, const std::string& path, const Grid& target,
                         const WarpRequest& request);

// The same, then applies each band's scaling (value = DN*scale+offset).
RasterBlock warp_scaled(GDALDataset& source, const std::string& path, const Grid& target,
                        const WarpRequest& request, const std::vector<BandScaling>& scalings);

}  // namespace lssr::io
