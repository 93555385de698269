#pragma once
// Scene mode of lssr-tile: cut one raster into overlapping georeferenced tiles
// with an index, and stitch (possibly processed, e.g. upscaled) tiles back into
// one mosaic with the blending weights of libio/tiling/tile_plan.hpp.
#include <string>
#include <vector>

#include "libio/gdal/grid.hpp"
#include "libio/core/progress.hpp"
#include "libio/gdal/raster.hpp"

namespace lssr::io {

struct CutOptions {
    std::string scene;                          // any GDAL raster
    std::string out_dir;                        // written all-or-nothing
    int tile = 512;                             // pixels
    int overlap = 64;                           // pixels shared by neighbours
    std::vector<std::string> creation_options;  // GTiff -co for the tiles
    bool overwrite = false;
};

struct CutResult {
    int tiles = 0;
    int columns = 0, rows = 0;
    std::string index;  // final path of index.jsonl
};

// Writes OUT_DIR/<stem>_rRRR_cCCC.tif (all bands, data type, nodata, scale,
// offset, descriptions and metadata as the source) and OUT_DIR/index.jsonl.
CutResult cut_scene(const CutOptions& options, const Progress& progress = {});

struct StitchOptions {
    std::string index;            // index.jsonl written by cut_scene
    std::string tiles_dir;        // where the tiles are; "" = the index's folder
    std::string output;
    OutputOptions output_options;
    std::string data_type;        // "" = the tiles' type
    long long memory_bytes = 256LL << 20;  // bound on the row-strip accumulator
};

struct StitchResult {
    Grid grid;      // the mosaic's grid
    int tiles = 0;
    double scale = 1.0;  // source pixel size / tile pixel size
};

// Blends the tiles named by the index into one raster, placing each by its own
// georeferencing: the mosaic's pixel size is the tiles', its extent the source
// scene's. Streams row strips, so memory stays bounded.
StitchResult stitch_tiles(const StitchOptions& options, const Progress& progress = {});

}  // namespace lssr::io
