#pragma once
// What lssr-upscale's output stores: its data type, each band's scale/offset and
// the nodata value of masked pixels. No LibTorch here.
#include <gdal.h>

#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "libio/gdal/bands.hpp"

namespace lssr::sr {

struct OutputEncoding {
    GDALDataType type = GDT_Float32;
    std::vector<io::BandScaling> scalings;  // per band blue..swir2 (nodata = `nodata`)
    std::optional<double> nodata;           // stored value of masked pixels
    // Stored values data may take (integer types): values beyond are clipped
    // here, so that bright or dark pixels never turn into nodata.
    double min_stored = -std::numeric_limits<double>::infinity();
    double max_stored = std::numeric_limits<double>::infinity();
    // Why the encoding departs from the input's scaling ("" when it does not):
    // tools say it on stderr.
    std::string note;

    // The stored value of a reflectance of `band` (NaN, missing, stays NaN;
    // the writer rounds integer types).
    float encode(float reflectance, int band) const;
};

// The output's encoding for an input of `input_type` with `input_scalings`
// (blue..swir2) and the -ot name `data_type` ("" = the input's type):
//  - the input's type: its scaling, and its nodata (a nodata outside the data's
//    range is picked when it has none);
//  - a floating type over an integer input: reflectance (scale 1, nodata NaN);
//  - another integer type: the input's scaling when that type holds reflectance
//    0..1 with it (an integer input, or one scaled to at least 250 steps),
//    otherwise a scale that does: 1e-4 (the HLS/Sentinel-2 convention) where the
//    type's range allows, else the finest of 1, 2, 2.5, 4, 5 x 10^-k that fits
//    (Byte: 0.004, reflectance 0..1.016 in DN 0..254), offset 0, nodata the
//    type's maximum (unsigned) or -9999 / its minimum (signed); `note` says so.
// Throws OptionError for a data type GDAL does not know.
OutputEncoding output_encoding(GDALDataType input_type, const std::vector<io::BandScaling>& input_scalings,
                               const std::string& data_type);

}  // namespace lssr::sr
