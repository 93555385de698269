#include "libio/tiling/side_layers.hpp"

#include <gdal_priv.h>

#include <algorithm>
#include <cmath>

#include "libio/core/errors.hpp"
#include "libio/gdal/sampling.hpp"
#include "libio/gdal/raster.hpp"

namespace lssr::io {
namespace {

bool any_valid(GDALDataset& dataset, const std::string& path, int band, std::optional<double> nodata,
               const Window& w) {
    if (!nodata) {
        int has = 0;
        const double file_nodata = dataset.GetRasterBand(band)->GetNoDataValue(&has);
        if (has) nodata = file_nodata;
    }
    const float nd = nodata ? static_cast<float>(*nodata) : NAN;
    // Row strips of about 16 M pixels keep memory bounded on large layers.
    const int strip = static_cast<int>(std::clamp<long long>((16LL << 20) / std::max(1, w.width), 1, w.height));
    for (int top = w.row; top < w.row + w.height; top += strip) {
        const Window part{w.col, top, w.width, std::min(strip, w.row + w.height - top)};
        const RasterBlock block = read_block(dataset, {band}, part, path);
        for (float v : block.data)
            if (!std::isnan(v) && v != nd) return true;
    }
    return false;
}

}  // namespace

void check_side_layer(GDALDataset& dataset, const std::string& path, const std::vector<int>& bands,
                      std::optional<double> nodata, const Bounds& area, const std::string& area_crs_wkt,
                      const std::string& what, const std::string& where) {
    const Grid grid = grid_of(dataset, path);
    for (int b : bands)
        if (b < 1 || b > dataset.GetRasterCount())
            throw InputError(path + ": band " + std::to_string(b) + " is needed for " + what +
                             ", but the file has only " + std::to_string(dataset.GetRasterCount()) +
                             " band(s)");
    Window w;
    try {
        w = source_window_for(grid, area, area_crs_wkt, 0);
    } catch (const InputError&) {
        // No point of the area maps into the layer's CRS: it cannot cover it.
        w = Window{};
    }
    if (w.width <= 0 || w.height <= 0) throw InputError(path + ": " + what + " does not overlap " + where);
    for (int b : bands)
        if (!any_valid(dataset, path, b, nodata, w))
            throw InputError(path + ": " + what + " holds only nodata over " + where +
                             (bands.size() > 1 ? " (band " + std::to_string(b) + ")" : std::string()));
}

}  // namespace lssr::io
