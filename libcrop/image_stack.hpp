#pragma once
// The dated reflectance images a crop model reads: their dates, checked to share
// one grid (or warped onto the first one's), read block by block as reflectance
// with NaN where a value is missing. Band roles and scaling are the suite's
// band-role reader's (io::ReflectanceReader::stack).
#include <array>
#include <string>
#include <vector>

#include "libio/gdal/bands.hpp"
#include "libio/gdal/gdal_dataset.hpp"
#include "libio/gdal/grid.hpp"
#include "libio/gdal/raster.hpp"
#include "libio/gdal/reflectance.hpp"
#include "libio/gdal/warp.hpp"

namespace lssr::crop {

// One image as a model records it: its band count, the role of each band ("" for
// bands it does not use) and its acquisition date ("" when unknown).
struct ImageSignature {
    int band_count = 0;
    std::vector<std::string> band_roles;
    std::string date;
};

// The acquisition date of an image: the ACQUISITION_DATE metadata item, else the
// first YYYYMMDD (or, failing that, YYYYDDD) found in the file name, else "".
// Returned as YYYY-MM-DD.
std::string image_date(GDALDataset& dataset, const std::string& path);
std::string date_from_name(const std::string& path);

struct AlignOptions {
    bool align = false;  // warp images whose grid differs onto the first image's
    io::Resampling method = io::Resampling::Bilinear;
};

class ImageStack {
public:
    // Opens every image and identifies its six reflectance bands: band descriptions
    // naming the roles, or exactly six bands in role order (blue..swir2). Throws
    // InputError naming the file when bands cannot be identified or, without
    // align, when a grid differs from the first image's.
    ImageStack(const std::vector<std::string>& paths, const AlignOptions& align);

    const io::Grid& grid() const { return grid_; }
    int size() const { return static_cast<int>(images_.size()); }
    const std::string& path(int image) const { return images_.at(image).path; }
    const ImageSignature& signature(int image) const { return images_.at(image).signature; }
    // True when that image is warped onto the grid (its own grid differs).
    bool warped(int image) const { return images_.at(image).warped; }

    // The six reflectance bands (blue..swir2) of one image over a window of the
    // grid; NaN where the image has nodata or does not cover the pixel.
    io::RasterBlock read(int image, const io::Window& window);

private:
    struct Image {
        std::string path;
        io::ReflectanceReader bands;  // the six roles, blue..swir2
        ImageSignature signature;
        bool warped = false;
    };
    std::vector<Image> images_;
    io::Grid grid_;
    AlignOptions align_;
};

}  // namespace lssr::crop
