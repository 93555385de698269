#include "libio/gdal/sampling.hpp"

#include <gdal_priv.h>

#include <algorithm>
#include <cmath>

#include "libio/core/errors.hpp"
#include "libio/gdal/finite_values.hpp"
#include "libio/gdal/gdal_dataset.hpp"

namespace lssr::io {
namespace {

void mask_nodata(RasterBlock& block, const std::vector<std::optional<double>>& nodata) {
    for (int b = 0; b < block.bands; ++b) {
        if (!nodata[b]) continue;
        const float nd = static_cast<float>(*nodata[b]);
        float* v = block.band(b);
        for (size_t i = 0; i < block.plane(); ++i)
            if (v[i] == nd) v[i] = NAN;
    }
}

std::vector<std::optional<double>> nodata_values(GDALDataset& ds, const std::vector<int>& bands,
                                                 std::optional<double> override_value) {
    std::vector<std::optional<double>> out;
    for (int b : bands) {
        if (override_value) {
            out.push_back(override_value);
            continue;
        }
        int has = 0;
        const double nd = ds.GetRasterBand(b)->GetNoDataValue(&has);
        out.push_back(has ? std::optional<double>(nd) : std::nullopt);
    }
    return out;
}

void check_bands(GDALDataset& ds, const std::string& path, const std::vector<int>& bands) {
    for (int b : bands)
        if (b < 1 || b > ds.GetRasterCount())
            throw InputError(path + ": band " + std::to_string(b) + " requested, but it has only " +
                             std::to_string(ds.GetRasterCount()) + " band(s)");
}


}  // namespace

Window source_window_for(const Grid& source, const Bounds& area, const std::string& area_crs_wkt, int margin) {
    const Bounds b = transform_bounds(area, area_crs_wkt, source.crs_wkt);
    double c0, r0, c1, r1;
    source.map_to_pixel(b.min_x, b.max_y, c0, r0);
    source.map_to_pixel(b.max_x, b.min_y, c1, r1);
    const int col0 = std::max(0, static_cast<int>(std::floor(std::min(c0, c1))) - margin);
    const int row0 = std::max(0, static_cast<int>(std::floor(std::min(r0, r1))) - margin);
    const int col1 = std::min(source.width, static_cast<int>(std::ceil(std::max(c0, c1))) + margin);
    const int row1 = std::min(source.height, static_cast<int>(std::ceil(std::max(r0, r1))) + margin);
    if (col1 <= col0 || row1 <= row0) return Window{0, 0, 0, 0};
    return Window{col0, row0, col1 - col0, row1 - row0};
}

double pixel_size_in(const Grid& source, const std::string& target_crs_wkt) {
    if (same_crs(source.crs_wkt, target_crs_wkt))
        return std::sqrt(source.pixel_width() * source.pixel_height());
    const Bounds b = transform_bounds(source.bounds(), source.crs_wkt, target_crs_wkt);
    return std::sqrt(b.width() / source.width * b.height() / source.height);
}

Resampling choose_resampling(const Grid& source, const Grid& target, LayerKind kind) {
    const double target_pixel = std::sqrt(target.pixel_width() * target.pixel_height());
    // A source more than 1 % finer is being coarsened: aggregate, do not pick.
    const bool coarsening = pixel_size_in(source, target.crs_wkt) < 0.99 * target_pixel;
    if (kind == LayerKind::Categorical) return coarsening ? Resampling::Mode : Resampling::Nearest;
    return coarsening ? Resampling::Average : Resampling::Bilinear;
}

RasterBlock sample_onto(GDALDataset& source, const std::string& path, const std::vector<int>& bands,
                        const Grid& target, LayerKind kind, std::optional<double> nodata,
                        std::optional<Resampling> method) {
    check_bands(source, path, bands);
    const Grid grid = grid_of(source, path);
    const auto nodatas = nodata_values(source, bands, nodata);
    if (aligned(grid, target)) {
        // Same lattice: copy pixels as they are, no interpolation at all.
        RasterBlock out(static_cast<int>(bands.size()), target.width, target.height, NAN);
        double fc = 0, fr = 0;
        grid.map_to_pixel(target.origin_x(), target.origin_y(), fc, fr);
        const int col = static_cast<int>(std::lround(fc)), row = static_cast<int>(std::lround(fr));
        const int c0 = std::max(0, col), r0 = std::max(0, row);
        const int c1 = std::min(grid.width, col + target.width);
        const int r1 = std::min(grid.height, row + target.height);
        if (c1 <= c0 || r1 <= r0) return out;
        RasterBlock part = read_block(source, bands, Window{c0, r0, c1 - c0, r1 - r0}, path);
        mask_nodata(part, nodatas);
        for (int b = 0; b < out.bands; ++b)
            for (int r = r0; r < r1; ++r)
                std::copy_n(&part.at(b, r - r0, 0), part.width, &out.at(b, r - row, c0 - col));
        return out;
    }
    WarpRequest request;
    request.bands = bands;
    request.method = method ? *method : choose_resampling(grid, target, kind);
    request.source_nodata = nodata;
    RasterBlock out = warp_to_grid(source, path, target, request);
    return out;
}

void apply_scalings(RasterBlock& block, const std::vector<BandScaling>& scalings) {
    for (int b = 0; b < block.bands; ++b) {
        const BandScaling& s = scalings.at(b);
        float* v = block.band(b);
        for (size_t i = 0; i < block.plane(); ++i)
            v[i] = finite_scaled(v[i], s);  // NaN stays NaN; +-Inf become missing
    }
}

RasterBlock sample_db_onto(GDALDataset& source, const std::string& path, const std::vector<int>& bands,
                           const std::vector<BandScaling>& scalings, const Grid& target) {
    check_bands(source, path, bands);
    const Grid grid = grid_of(source, path);
    RasterBlock out(static_cast<int>(bands.size()), target.width, target.height, NAN);
    const Window w = source_window_for(grid, target.bounds(), target.crs_wkt, 2);
    if (w.width == 0) return out;
    RasterBlock power = read_block(source, bands, w, path);
    std::vector<std::optional<double>> nodatas;
    for (const auto& s : scalings) nodatas.push_back(s.nodata);
    mask_nodata(power, nodatas);
    apply_scalings(power, scalings);
    for (float& v : power.data)
        if (!std::isnan(v)) v = static_cast<float>(std::pow(10.0, v / 10.0));
    const Grid sub = grid.window(w);
    DatasetPtr mem = memory_dataset(power, sub);
    WarpRequest request;
    request.bands.clear();  // the default names band 1
    for (int b = 1; b <= power.bands; ++b) request.bands.push_back(b);
    request.method = choose_resampling(grid, target, LayerKind::Continuous);
    out = warp_to_grid(*mem, path, target, request);
    for (float& v : out.data)
        v = (std::isnan(v) || v <= 0) ? NAN : static_cast<float>(10.0 * std::log10(v));
    return out;
}

}  // namespace lssr::io
