#pragma once
// The low-resolution input of lssr-upscale: a 6-band reflectance stack or a
// product whose bands live in separate files (an HLS granule), resolved to the
// six roles blue..swir2 (+ Fmask), and read window by window as reflectance.
#include <gdal.h>

#include <optional>
#include <string>
#include <vector>

#include "libio/products/fmask.hpp"
#include "libio/gdal/grid.hpp"
#include "libio/gdal/raster.hpp"
#include "libio/products/scene.hpp"
#include "libio/products/scene_reader.hpp"

namespace lssr::sr {

struct LrScene {
    io::SceneRef ref;                       // id, sensor, date; bands by role
    std::string label;                      // what the user named (for messages)
    io::Grid grid;                          // common grid of the six bands
    GDALDataType type = GDT_Float32;        // stored type of the red band
    std::vector<io::BandScaling> scalings;  // per role blue..swir2, as resolved from the files
    std::vector<std::string> paths;         // every file the result derives from
};

// Resolves an input: a raster with >= 6 bands (roles by io::reflectance_bands:
// band descriptions naming them, else a 6-band stack in the order blue..swir2),
// one band file of a product (its
// sibling files are grouped with it), a product/granule ID next to its files
// ("dir/HLS.L30.T15TVG.2021179T165432.v2.0"), or a folder holding one product.
// Throws InputError naming the input when roles are missing or grids differ.
LrScene resolve_lr_scene(const std::string& input, std::vector<std::string>& warnings);

// Output stem for batch mode: the scene ID, else the input's file stem.
std::string lr_scene_stem(const LrScene& scene);

// Reads windows of a resolved scene through the suite's band-role reader
// (io::scene_reader): 6 bands of reflectance, NaN where a band is nodata or the
// pixel is flagged by its QA band (an Fmask band under the policy, else a
// Landsat QA_PIXEL band). A pixel missing in any band is missing in all.
class LrReader {
public:
    LrReader(const LrScene& scene, const io::FmaskPolicy& policy);
    io::RasterBlock read(const io::Window& window);

private:
    io::FmaskPolicy policy_;
    io::ReflectanceReader bands_;  // the six roles, then fmask or qa_pixel
};

}  // namespace lssr::sr
