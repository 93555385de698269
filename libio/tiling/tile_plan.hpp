#pragma once
// The one tile path of lssr-upscale and lssr-tile (--scene/--stitch):
// overlapping tiles over a scene, each tile's input window, its output window
// on a grid `scale` times finer, and the smooth weights that blend the output
// tiles back together without seams, planned once.
#include <cstddef>
#include <optional>
#include <vector>

#include "libio/gdal/grid.hpp"
#include "libio/gdal/raster.hpp"

namespace lssr::io {

// Throws OptionError unless tile >= 1 and 0 <= overlap < tile: the one check
// of a tile size and overlap.
void check_tiling(int tile, int overlap);

// Blending weights along one axis of one tile, one value per output pixel.
using AxisWeights = std::vector<float>;

// Separable blending weight of one tile: weight(row,col) = y[row] * x[col].
// Along an edge inside the scene it ramps up as a raised cosine over `ramp`
// pixels (never reaching 0); along a scene border it stays 1 so scene edges
// are not down-weighted. Two tiles overlapping by exactly `ramp` pixels have
// weights that sum to 1 across the overlap.
struct TileWeights {
    AxisWeights x, y;
    float at(int row, int col) const { return y[row] * x[col]; }
};

// The weights of a tile at window `tile` of a scene of scene_width x
// scene_height pixels; TilePlan's tables are made of these.
TileWeights tile_weights(const Window& tile, int scene_width, int scene_height, double ramp);

// One tile of a plan. The weights point into the plan's tables: every tile of
// a column shares its x weights, every tile of a row its y weights.
struct PlannedTile {
    int row = 0, col = 0;  // place in the layout
    Window input;          // in scene pixels
    Window output;         // in output pixels
    const AxisWeights* weights_x = nullptr;
    const AxisWeights* weights_y = nullptr;
    float weight(int out_row, int out_col) const { return (*weights_y)[out_row] * (*weights_x)[out_col]; }
};

// Tiles of `tile` x `tile` scene pixels stepping by tile - overlap; the last
// row and column are shifted in so every tile is full size where the scene is
// at least one tile big (smaller scenes get one tile of the scene's size on
// that axis). Output pixel p covers scene pixels [p, p+1) / scale; weights
// ramp over overlap * scale output pixels. Offsets are computed, not listed,
// and tiles of one shape share one weights table, so the plan's memory does
// not grow with the scene or the tile count.
class TilePlan {
public:
    int scene_width = 0, scene_height = 0;    // scene pixels
    int tile = 0, overlap = 0;                // scene pixels
    double scale = 1.0;                       // output pixels per scene pixel
    int output_width = 0, output_height = 0;  // the scene in output pixels

    int columns() const { return cols_.count; }
    int rows() const { return rows_.count; }
    size_t size() const { return static_cast<size_t>(cols_.count) * static_cast<size_t>(rows_.count); }
    int col_offset(int tile_col) const { return cols_.offset(tile_col); }  // tile origins, scene pixels
    int row_offset(int tile_row) const { return rows_.offset(tile_row); }
    int tile_width() const { return cols_.length; }  // min(tile, scene_width)
    int tile_height() const { return rows_.length; }

    PlannedTile at(int tile_row, int tile_col) const;
    PlannedTile at(size_t index) const {  // row-major
        return at(static_cast<int>(index / columns()), static_cast<int>(index % columns()));
    }
    // The tile whose input window is `input`, if the plan has one.
    std::optional<PlannedTile> find(const Window& input) const;
    // The part of tile (tile_row, tile_col) that it alone "owns", in scene
    // pixels: overlaps are split at their middle, so the cores partition the scene.
    Window core(int tile_row, int tile_col) const;
    // The window of scene pixels `w` on the output grid.
    Window output_window(const Window& w) const;

private:
    friend TilePlan plan_tiles(int, int, int, int, double);
    // Weights of every tile of one shape along an axis: where it starts and
    // ends inside the scene or on its border, and its output length.
    struct Shape {
        bool inner_start = false, inner_end = false;
        int output_length = 0;
        AxisWeights weights;
    };
    struct Axis {
        int scene = 0, length = 0, step = 1, count = 1;
        double scale = 1.0;
        int output = 0;  // the scene's output length
        std::vector<Shape> shapes;
        int offset(int i) const;
        int index_of(int offset) const;  // -1 when no tile starts there
        void span(int i, int& output_offset, int& output_length) const;
        const AxisWeights& weights(int i) const;
    };
    Axis cols_, rows_;
};

// Throws OptionError as check_tiling does, InputError for an empty scene.
TilePlan plan_tiles(int scene_width, int scene_height, int tile, int overlap, double scale = 1.0);

// Weighted sums over one region of the output (a row strip, a whole scene):
// sum(w*x) per band and pixel and sum(w) per pixel, in double so the result
// does not depend on the order tiles arrive in and tiles that agree blend to
// their exact value. NaN values contribute nothing; the weight is shared by
// the bands (a third less memory for six bands) until a block is NaN in some
// bands but not others at one pixel, when each band gets its own.
class BlendAccumulator {
public:
    BlendAccumulator(int bands, const Window& region);
    // Memory per pixel of the region while the weight is shared, for callers
    // sizing strips.
    static size_t bytes_per_pixel(int bands) { return (static_cast<size_t>(bands) + 1) * sizeof(double); }

    const Window& region() const { return region_; }
    // `values` covers window `where` of the output (same bands); `tile` is the
    // whole tile's window, to which the weights belong. Pixels outside the
    // region are ignored.
    void add(const RasterBlock& values, const Window& where, const Window& tile, const AxisWeights& x,
             const AxisWeights& y);
    void add(const RasterBlock& values, const Window& where, const Window& tile, const TileWeights& weights) {
        add(values, where, tile, weights.x, weights.y);
    }
    // A planned tile's output, covering its whole output window.
    void add(const RasterBlock& values, const PlannedTile& tile) {
        add(values, tile.output, tile.output, *tile.weights_x, *tile.weights_y);
    }
    // sum(w*x) / sum(w) per pixel; NaN where nothing contributed.
    RasterBlock result() const;

private:
    // True if some pixel of `values` inside [r0, r1) x [c0, c1) (region
    // coordinates offset by `where`) is NaN in some bands but not all.
    bool nan_differs_by_band(const RasterBlock& values, const Window& where, int r0, int r1, int c0, int c1) const;
    void split_weights();  // shared weight -> one weight plane per band

    int bands_;
    Window region_;
    std::vector<double> weighted_;  // bands x region pixels
    std::vector<double> weight_;    // region pixels, or bands x region pixels once split
    bool per_band_weights_ = false;
};

}  // namespace lssr::io
