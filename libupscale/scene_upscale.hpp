#pragma once
// Whole-scene 3x super-resolution, streaming: the scene is run in vertical
// stripes (libupscale/stripes.hpp), and in each stripe overlapping tiles are
// cut one tile row at a time, upscaled in batches by a TileModel, blended with
// the smooth weights of libio/tiling/tile_plan.hpp and written in row strips,
// so memory is bounded by a few tile rows of one stripe whatever the scene's
// size. No LibTorch here.
#include <map>
#include <string>
#include <vector>

#include "libio/products/fmask.hpp"
#include "libio/gdal/grid.hpp"
#include "libio/core/progress.hpp"
#include "libio/gdal/raster.hpp"
#include "libupscale/consistency.hpp"
#include "libupscale/lr_scene.hpp"
#include "libio/core/scale.hpp"
#include "libio/core/stage_profile.hpp"

namespace lssr::sr {

// One tile handed to a model: 6 bands of reflectance (blue..swir2) with no NaN
// left (holes filled), where it lies, and the grid of its x3 output.
struct TileInput {
    io::RasterBlock lr;
    io::Window window;  // in LR pixels
    io::Window hr_window;  // the output tile, in output pixels of the scene
    io::Grid hr_grid;      // the output tile's grid (for warping side layers)
};

class TileModel {
public:
    virtual ~TileModel() = default;
    // Tiles of one batch share their size; returns one 6-band block per tile,
    // three times larger, in reflectance.
    virtual std::vector<io::RasterBlock> upscale(const std::vector<TileInput>& tiles) = 0;
    // How many tiles upscale() runs at once: batches hold at least this many.
    virtual int parallel_tiles() const { return 1; }
    // Called before the tiles of one output region (a tile row) with the
    // region's window and grid, so that a model can prepare what the region's
    // tiles share once (side layers warped once per row, not once per tile).
    virtual void begin_region(const io::Window& /*hr_window*/, const io::Grid& /*hr_grid*/) {}
};

struct UpscaleOptions {
    int tile = 64;     // LR pixels
    int overlap = 8;   // LR pixels shared by neighbouring tiles (12 cost 15% more time for no gain, 6 left seams)
    int batch = 2;     // tiles per model call (more only pays on a GPU)
    io::FmaskPolicy fmask;
    std::string output;
    io::OutputOptions output_options;
    std::string data_type;                        // "" = the input's
    std::map<std::string, std::string> metadata;  // provenance, written as dataset metadata
    long long strip_bytes = 128LL << 20;          // bound on one blending strip
    // Scene columns (LR pixels) run as one vertical stripe: memory grows with
    // this, not with the scene's width; tiles along a stripe's edge blend into
    // both stripes and are run once, kept on disk for the second
    // (libupscale/tile_spill.hpp). 0 = the whole width at once.
    int stripe_width = 1024;
    // Exact: the blended output is projected so each 3x3 block averages to its
    // input pixel (libupscale/consistency.hpp); None keeps the model's output.
    Consistency consistency = Consistency::Exact;
    // Threads for the work between model calls (the consistency projection's
    // bands); the output is the same for any count.
    int threads = 1;
    // Seconds per stage (read, model, blend, consistency, write, ...) go here when set.
    StageProfile* profile = nullptr;
};

struct UpscaleStats {
    io::Grid grid;           // output grid
    int tiles = 0;           // tiles in the layout
    int tiles_empty = 0;     // skipped: no valid pixel
    int stripes = 1;         // vertical stripes the scene was run in
    long long tiles_upscaled = 0;  // tiles the model ran (each once, stripes or not)
    double model_seconds = 0;  // time spent in the model
    double total_seconds = 0;
    std::string encoding_note;  // why the output's scaling departs from the input's ("" = it does not)
};

// Upscales a scene into options.output, encoded by sr::output_encoding. Throws
// InputError naming the scene, before any long work, when its output grid has
// more pixels per side than GDAL allows, when its working buffers exceed this
// machine's memory or its uncompressed output the free disk space; Error naming
// the model (options.metadata LSSR_MODEL) when the model returns a value that is
// not finite.
UpscaleStats upscale_scene(const LrScene& scene, TileModel& model, const UpscaleOptions& options,
                           const Progress& progress = {});

}  // namespace lssr::sr
