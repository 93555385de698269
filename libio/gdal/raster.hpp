#pragma once
// Reading and writing multi-band rasters window by window, as planar float32.
#include <gdal.h>  // GDALDataType (C header, light)

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "libio/gdal/bands.hpp"
#include "libio/gdal/gdal_dataset.hpp"
#include "libio/gdal/grid.hpp"
#include "libio/core/progress.hpp"
#include "libio/gdal/staged_output.hpp"

namespace lssr::io {

// bands x height x width, band-major (planar) float32.
struct RasterBlock {
    int bands = 0, width = 0, height = 0;
    std::vector<float> data;

    RasterBlock() = default;
    RasterBlock(int bands_, int width_, int height_, float fill = 0.0f)
        : bands(bands_), width(width_), height(height_),
          data(static_cast<size_t>(bands_) * width_ * height_, fill) {}
    size_t plane() const { return static_cast<size_t>(width) * height; }
    float* band(int b) { return data.data() + b * plane(); }
    const float* band(int b) const { return data.data() + b * plane(); }
    float& at(int b, int row, int col) { return data[b * plane() + static_cast<size_t>(row) * width + col]; }
    float at(int b, int row, int col) const {
        return data[b * plane() + static_cast<size_t>(row) * width + col];
    }
};

// Copies window `w` (relative to `block`'s origin, inside it) out of a block.
RasterBlock crop(const RasterBlock& block, const Window& w);

// Reads the given bands (1-based) over a window as stored values (no scaling).
// Throws InputError naming `path` on a read failure (e.g. a truncated file).
RasterBlock read_block(GDALDataset& dataset, const std::vector<int>& bands, const Window& window,
                       const std::string& path);

// Like read_block, then applies each band's scaling; nodata pixels and values
// that are not finite (stored or scaled) become NaN (libio/gdal/finite_values.hpp).
RasterBlock read_scaled(GDALDataset& dataset, const std::vector<int>& bands,
                        const std::vector<BandScaling>& scalings, const Window& window,
                        const std::string& path);

// GDAL data type from a name ("Int16", "Float32", ...); throws OptionError.
GDALDataType parse_data_type(const std::string& name);

struct OutputOptions {
    std::string format = "GTiff";               // -of
    std::vector<std::string> creation_options;  // -co KEY=VALUE
    bool overwrite = false;                     // --overwrite
    // Set by a writer of 2-D windows (not whole rows): pixels go to a tiled,
    // uncompressed work GTiff first, copied into the format and creation
    // options asked for on finish, so that a compressed or striped output has
    // each block written once (GTiff appends a compressed block rewritten).
    bool windowed = false;
};

// Throws OptionError when the format is unknown or cannot write rasters.
void validate_output_format(const std::string& format);

struct RasterSpec {
    Grid grid;
    int bands = 1;
    GDALDataType type = GDT_Float32;
    std::optional<double> nodata;                    // stored value
    std::vector<std::string> descriptions;           // per band, optional
    std::vector<BandScaling> scalings;               // per band scale/offset metadata, optional
    std::map<std::string, std::string> metadata;     // dataset metadata (default domain)
    std::vector<std::map<std::string, std::string>> band_metadata;  // per band, optional
};

// Writes a raster under a temporary name; finish() moves it into place with its
// sidecar files (see StagedRaster). Formats without Create (COG, PNG) are
// written as a tiled GTiff first and copied on finish().
// Values are stored values; NaN is written as nodata.
class RasterWriter {
public:
    RasterWriter(std::string path, const RasterSpec& spec, const OutputOptions& options);
    ~RasterWriter();
    RasterWriter(const RasterWriter&) = delete;
    RasterWriter& operator=(const RasterWriter&) = delete;

    const RasterSpec& spec() const { return spec_; }
    const std::string& path() const { return path_; }
    GDALDataset& dataset();

    // Writes all bands of `block` at `window` (block.bands == spec.bands).
    void write(const RasterBlock& block, const Window& window);
    // Writes one band (0-based) at `window` from a width*height buffer.
    void write_band(int band, const float* values, const Window& window);
    // Sets a colour table on band 1 (class maps). entries: value -> RGBA.
    void set_color_table(const std::map<int, std::array<unsigned char, 4>>& entries);
    // Flushes, converts if needed, renames into place. Progress covers the copy.
    void finish(const Progress& progress = {});
    // Like finish() but leaves the finished raster staged: the caller commits it
    // (with the run's other outputs, see commit_all) or drops it (nothing left).
    std::unique_ptr<StagedOutput> finish_staged(const Progress& progress = {});

private:
    struct Staging;
    std::string path_;
    RasterSpec spec_;
    OutputOptions options_;
    std::unique_ptr<Staging> staging_;
};

// Convenience: write a whole block as a new raster (small outputs, tests).
void write_raster(const std::string& path, const RasterSpec& spec, const RasterBlock& block,
                  const OutputOptions& options);

// A GDAL in-memory float32 copy of a block on `grid`, for the warper. NaN is
// the bands' nodata when `nan_is_nodata`.
DatasetPtr memory_dataset(const RasterBlock& block, const Grid& grid, bool nan_is_nodata = true);

}  // namespace lssr::io
