#include "libcrop/blocks.hpp"

#include <algorithm>

namespace lssr::crop {

std::vector<io::Window> row_bands(const io::Grid& grid, long long block_pixels) {
    const long long width = std::max(1, grid.width);
    const int rows = static_cast<int>(std::clamp(block_pixels / width, 1LL, static_cast<long long>(std::max(1, grid.height))));
    std::vector<io::Window> windows;
    for (int row = 0; row < grid.height; row += rows)
        windows.push_back(io::Window{0, row, grid.width, std::min(rows, grid.height - row)});
    return windows;
}

}  // namespace lssr::crop
