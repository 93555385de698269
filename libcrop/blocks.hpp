#pragma once
// The windows a scene is processed in: full-width bands of rows holding about a
// fixed number of pixels, so memory depends on that number, not on the scene
// (a wider scene gets fewer rows per band), and every row is read once.
#include <vector>

#include "libio/gdal/grid.hpp"

namespace lssr::crop {

inline constexpr long long kDefaultBlockPixels = 1 << 18;  // 262144, e.g. 512 x 512

std::vector<io::Window> row_bands(const io::Grid& grid, long long block_pixels);

}  // namespace lssr::crop
