#pragma once
// A raster's six reflectance bands read by band role with their scale/offset:
// the one reader every evaluation, quick-look and self-pair cut goes through.
#include <string>
#include <vector>

#include "libio/gdal/raster.hpp"

namespace lssr::io {

// The six reflectance bands (blue..swir2) of a raster, scaled by each band's
// scale/offset, missing pixels NaN. Roles by io::reflectance_bands (band
// descriptions, else a six-band file in role order; InputError naming the file).
// A pixel with a value that is not finite (stored or scaled) in some band is
// invalid: NaN in every band, so every metric leaves it out alike; their number
// goes to `invalid_pixels` when given.
RasterBlock read_reflectance(const std::string& path, Grid& grid, size_t* invalid_pixels = nullptr);

// Each band's scaling (read_reflectance's rules) for the 1-based band numbers
// io::reflectance_bands gives.
std::vector<BandScaling> reflectance_scalings(GDALDataset& dataset, const std::vector<int>& bands);

}  // namespace lssr::io
