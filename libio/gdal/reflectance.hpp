#pragma once
// The suite's one band-role reader: the six reflectance bands (blue..swir2) of
// an input and, optionally, its QA band, each opened once with its scaling, read
// as reflectance over a window of their own grid or sampled onto another grid.
// Scenes of band files open through libio/products/scene_reader; a six-band
// stack through ReflectanceReader::stack. Every evaluation, quick-look, dataset
// patch, upscaler input and crop image is read through it.
#include <optional>
#include <string>
#include <vector>

#include "libio/gdal/open_band.hpp"
#include "libio/gdal/raster.hpp"

namespace lssr::io {

class ReflectanceReader {
public:
    // `reflectance`: the bands of the roles blue..swir2, in that order; `qa`:
    // a QA band and its role ("fmask", "qa_pixel", "scl"), if any.
    ReflectanceReader(std::vector<OpenBand> reflectance, std::optional<OpenBand> qa = std::nullopt,
                      std::string qa_role = "");

    // A reflectance stack: roles by io::reflectance_bands (band descriptions,
    // else a six-band file in role order), scalings from the file's metadata
    // (reflectance_scalings). InputError naming the file otherwise.
    static ReflectanceReader stack(DatasetCache& cache, const std::string& path);

    const std::vector<OpenBand>& bands() const { return bands_; }
    std::vector<BandScaling> scalings() const;
    const std::optional<OpenBand>& qa() const { return qa_; }
    const std::string& qa_role() const { return qa_role_; }
    // The grid of the blue band (grid_of's errors, naming its file).
    Grid grid() const;

    // The six bands over a window of their own grid as reflectance: nodata and
    // values that are not finite (stored or scaled) are NaN. Bands of one file
    // are read in one call. `invalid`, when given, gets per pixel whether some
    // band held a value that is not finite (scale_in_place; nodata does not count).
    RasterBlock read(const Window& window, std::vector<bool>* invalid = nullptr) const;
    // The QA band's stored values over the window (no nodata masking).
    RasterBlock read_qa(const Window& window) const;

    // Each band sampled onto `target` on its own (sample_onto with the band's
    // nodata, continuous), then scaled: NaN where missing or outside the band.
    RasterBlock sample(const Grid& target) const;
    // The QA band picked onto `target` (nearest, never interpolated); NaN outside
    // it and where it holds the file's nodata.
    RasterBlock sample_qa(const Grid& target) const;

private:
    std::vector<OpenBand> bands_;
    std::optional<OpenBand> qa_;
    std::string qa_role_;
};

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
