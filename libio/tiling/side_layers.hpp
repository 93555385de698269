#pragma once
// Side layers (DEM, land cover, Sentinel-1) are checked once, before any work,
// against the area they must serve: a layer that misses it, or holds only
// nodata there, fails naming its file instead of yielding all-NaN patches.
#include <optional>
#include <string>
#include <vector>

#include "libio/gdal/grid.hpp"

class GDALDataset;

namespace lssr::io {

// Throws InputError "<path>: <what> does not overlap <where>" when the raster's
// footprint misses `area` (a box in `area_crs_wkt`; the CRSs may differ,
// geographic ones included), and "<path>: <what> holds only nodata over <where>"
// when a band of `bands` has no valid pixel there (valid: not NaN and not
// `nodata`, the file's own nodata when not given). Stops reading at the first
// valid pixel of each band, so a usable layer costs a strip or two.
void check_side_layer(GDALDataset& dataset, const std::string& path, const std::vector<int>& bands,
                      std::optional<double> nodata, const Bounds& area, const std::string& area_crs_wkt,
                      const std::string& what, const std::string& where);

}  // namespace lssr::io
