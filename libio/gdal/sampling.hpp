#pragma once
// Bringing one layer onto another grid (a training patch, a scene's grid): an
// exact window copy when the grids are aligned, GDAL's warper otherwise, with
// the resampling chosen by what the layer holds and whether it is being coarsened.
#include <optional>
#include <string>
#include <vector>

#include "libio/gdal/grid.hpp"
#include "libio/gdal/raster.hpp"
#include "libio/gdal/warp.hpp"

namespace lssr::io {

// Continuous values (reflectance, elevation) or class labels / bit masks.
enum class LayerKind { Continuous, Categorical };

// The source's pixel size in the target CRS's units (approximate when the
// CRSs differ: the source extent transformed, divided by its pixel count).
double pixel_size_in(const Grid& source, const std::string& target_crs_wkt);

// The pixels of `source` covering `area` (a box in `area_crs_wkt`), plus
// `margin` pixels for interpolation, clipped to the raster; width 0 when they
// do not meet.
Window source_window_for(const Grid& source, const Bounds& area, const std::string& area_crs_wkt, int margin);

// Average (continuous) or mode (categorical) when the source is finer than
// the target, bilinear or nearest otherwise.
Resampling choose_resampling(const Grid& source, const Grid& target, LayerKind kind);

// Stored values of `bands` (1-based) on `target`; NaN outside the source and
// where the value equals `nodata` (the file's own nodata when not given).
// Aligned grids (same CRS, pixel size and lattice) are copied pixel for pixel.
// `method` overrides the automatic choice for warped layers.
RasterBlock sample_onto(GDALDataset& source, const std::string& path, const std::vector<int>& bands,
                        const Grid& target, LayerKind kind, std::optional<double> nodata = std::nullopt,
                        std::optional<Resampling> method = std::nullopt);

// Applies value = DN*scale+offset per band, keeping NaN.
void apply_scalings(RasterBlock& block, const std::vector<BandScaling>& scalings);

// Backscatter in dB resampled in linear power: dB -> 10^(dB/10) -> warp
// (average when coarsening, bilinear otherwise) -> 10*log10. Returns dB.
RasterBlock sample_db_onto(GDALDataset& source, const std::string& path, const std::vector<int>& bands,
                           const std::vector<BandScaling>& scalings, const Grid& target);

}  // namespace lssr::io
