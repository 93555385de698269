#pragma once
// Overlapping tiles over a scene and the smooth weights that blend them back
// together without seams. lssr-tile (--scene/--stitch) and lssr-upscale share
// this code so tiles cut by one can be merged by the other.
#include <vector>

#include "libio/gdal/grid.hpp"
#include "libio/gdal/raster.hpp"

namespace lssr::io {

// Tiles of `tile` x `tile` pixels stepping by tile - overlap; the last row and
// column are shifted in so every tile is full size where the scene is at least
// one tile big (smaller scenes get one tile of the scene's size on that axis).
struct TileLayout {
    int scene_width = 0, scene_height = 0;
    int tile = 0, overlap = 0;
    std::vector<int> col_offsets, row_offsets;  // tile origins along each axis
    std::vector<Window> tiles;                  // row-major: row_offsets x col_offsets

    int columns() const { return static_cast<int>(col_offsets.size()); }
    int rows() const { return static_cast<int>(row_offsets.size()); }
    // The part of tile (tile_row, tile_col) that it alone "owns": overlaps are
    // split at their middle, so the cores partition the scene.
    Window core(int tile_row, int tile_col) const;
};

// Throws OptionError when tile < 1, overlap < 0 or overlap >= tile.
TileLayout plan_tiles(int scene_width, int scene_height, int tile, int overlap);

// Separable blending weight of one tile: weight(row,col) = y[row] * x[col].
// Along an edge inside the scene it ramps up as a raised cosine over `ramp`
// pixels (never reaching 0); along a scene border it stays 1 so scene edges
// are not down-weighted. Two tiles overlapping by exactly `ramp` pixels have
// weights that sum to 1 across the overlap.
struct TileWeights {
    std::vector<float> x, y;
    float at(int row, int col) const { return y[row] * x[col]; }
};

// `tile` is the tile's window in a scene of scene_width x scene_height pixels.
// For tiles on a grid `k` times finer than the layout (3x upscaled tiles),
// pass the scaled window, scaled scene size and ramp = overlap * k.
TileWeights tile_weights(const Window& tile, int scene_width, int scene_height, double ramp);

// Window w on a grid `factor` times finer.
Window scale_window(const Window& w, int factor);

// Weighted sums over one region of the output (a row strip, a whole scene):
// sum(w*x) and sum(w) per band and pixel, in double so the result does not
// depend on the order tiles arrive in. NaN values contribute nothing.
class BlendAccumulator {
public:
    BlendAccumulator(int bands, const Window& region);

    const Window& region() const { return region_; }
    // `values` covers window `where` of the output (same bands); `tile` is the
    // whole tile's window, to which `weights` belong. Pixels outside the region
    // are ignored.
    void add(const RasterBlock& values, const Window& where, const Window& tile,
             const TileWeights& weights);
    // sum(w*x) / sum(w) per pixel; NaN where nothing contributed.
    RasterBlock result() const;

private:
    int bands_;
    Window region_;
    std::vector<double> weighted_, weight_;  // bands x region pixels
};

}  // namespace lssr::io
