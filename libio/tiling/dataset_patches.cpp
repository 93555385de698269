#include "libio/tiling/dataset_patches.hpp"

#include <gdal_priv.h>
#include <ogr_spatialref.h>

#include <fmt/format.h>
#include <cmath>

#include "libio/core/errors.hpp"
#include "libio/gdal/gdal_dataset.hpp"
#include "libio/gdal/sampling.hpp"
#include "libio/gdal/warp.hpp"

namespace lssr::io {

ElevationAndLandcover open_elevation_and_landcover(DatasetCache& cache, const std::string& dem,
                                                   const std::string& landcover) {
    ElevationAndLandcover out;
    if (!dem.empty()) {
        out.dem = open_band(cache, BandRef{dem, 1, {}}, "the DEM");
        (void)grid_of(*out.dem->dataset, dem);
    }
    if (!landcover.empty()) {
        out.landcover = open_band(cache, BandRef{landcover, 1, {}}, "land cover");
        (void)grid_of(*out.landcover->dataset, landcover);
        const auto& nodata = out.landcover->scaling.nodata;
        if (nodata && *nodata >= 0 && *nodata <= 255) out.landcover_nodata = *nodata;
    }
    return out;
}

RasterBlock dem_on(const OpenBand& dem, const Grid& grid) {
    RasterBlock block = sample_onto(*dem.dataset, dem.path, {dem.band}, grid, LayerKind::Continuous,
                                    dem.scaling.nodata, Resampling::Bilinear);
    apply_scalings(block, {dem.scaling});
    return block;
}

RasterBlock landcover_on(const OpenBand& landcover, const Grid& grid) {
    return sample_onto(*landcover.dataset, landcover.path, {landcover.band}, grid, LayerKind::Categorical);
}

RasterSpec float_spec(const Grid& grid, const std::vector<std::string>& descriptions) {
    RasterSpec spec;
    spec.grid = grid;
    spec.bands = static_cast<int>(descriptions.size());
    spec.type = GDT_Float32;
    spec.nodata = NAN;
    spec.descriptions = descriptions;
    return spec;
}

RasterSpec landcover_spec(const Grid& grid, double nodata) {
    RasterSpec spec;
    spec.grid = grid;
    spec.type = GDT_Byte;
    spec.nodata = nodata;
    spec.descriptions = {"landcover"};
    return spec;
}

std::array<double, 2> center_lonlat(const Grid& grid) {
    const Bounds b = grid.bounds();
    double x = (b.min_x + b.max_x) / 2, y = (b.min_y + b.max_y) / 2;
    try {
        if (!PointTransform(grid.crs_wkt, "EPSG:4326").apply(x, y)) return {NAN, NAN};
    } catch (const InputError&) {
        return {NAN, NAN};
    }
    return {x, y};
}

std::vector<bool> missing_anywhere(const std::vector<const RasterBlock*>& layers) {
    std::vector<bool> missing(layers.front()->plane(), false);
    for (const RasterBlock* block : layers)
        for (int b = 0; b < block->bands; ++b)
            for (size_t i = 0; i < missing.size(); ++i)
                if (std::isnan(block->band(b)[i])) missing[i] = true;
    return missing;
}

}  // namespace lssr::io
