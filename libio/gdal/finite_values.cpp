#include "libio/gdal/finite_values.hpp"

#include <algorithm>

namespace lssr::io {

std::vector<bool> scale_in_place(RasterBlock& block, const std::vector<BandScaling>& scalings) {
    std::vector<bool> invalid(block.plane(), false);
    for (int b = 0; b < block.bands; ++b) {
        const BandScaling& s = scalings.at(b);
        float* values = block.band(b);
        for (size_t i = 0; i < block.plane(); ++i) {
            if (is_nodata(values[i], s)) {
                values[i] = NAN;
                continue;
            }
            values[i] = finite_scaled(values[i], s);
            if (std::isnan(values[i])) invalid[i] = true;
        }
    }
    return invalid;
}

size_t count_non_finite(const RasterBlock& block) {
    return static_cast<size_t>(
        std::count_if(block.data.begin(), block.data.end(), [](float v) { return !std::isfinite(v); }));
}

}  // namespace lssr::io
