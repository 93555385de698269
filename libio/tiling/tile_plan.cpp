#include "libio/tiling/tile_plan.hpp"

#include <algorithm>
#include <cmath>

#include "libio/core/errors.hpp"

namespace lssr::io {
namespace {

std::vector<int> axis_offsets(int size, int tile, int overlap) {
    if (size <= tile) return {0};
    const int step = tile - overlap;
    std::vector<int> offsets;
    for (int o = 0;; o += step) {
        if (o + tile >= size) {
            offsets.push_back(size - tile);  // shifted in: full size, flush with the edge
            break;
        }
        offsets.push_back(o);
    }
    return offsets;
}

// Raised-cosine ramp over `ramp` pixels from an inner edge; 1 beyond it.
float ramp_weight(int distance, double ramp) {
    if (ramp <= 0 || distance >= ramp) return 1.0f;
    const double t = (distance + 0.5) / ramp;
    return static_cast<float>(0.5 - 0.5 * std::cos(M_PI * t));
}

std::vector<float> axis_weights(int offset, int length, int scene_length, double ramp) {
    std::vector<float> w(static_cast<size_t>(std::max(0, length)), 1.0f);
    // A short tile would otherwise have its two ramps cross.
    const double r = std::min(ramp, length / 2.0);
    const bool inner_start = offset > 0;
    const bool inner_end = offset + length < scene_length;
    for (int i = 0; i < length; ++i) {
        if (inner_start) w[i] *= ramp_weight(i, r);
        if (inner_end) w[i] *= ramp_weight(length - 1 - i, r);
    }
    return w;
}

// The middle of the overlap between consecutive tiles along one axis.
int split_point(const std::vector<int>& offsets, int index, int tile_length) {
    const int end_prev = offsets[index - 1] + tile_length;
    return (offsets[index] + end_prev) / 2;
}

}  // namespace

TileLayout plan_tiles(int scene_width, int scene_height, int tile, int overlap) {
    if (tile < 1) throw OptionError("tile size must be at least 1 pixel");
    if (overlap < 0 || overlap >= tile)
        throw OptionError("overlap must be at least 0 and smaller than the tile size");
    if (scene_width < 1 || scene_height < 1) throw InputError("the scene is empty");
    TileLayout layout;
    layout.scene_width = scene_width;
    layout.scene_height = scene_height;
    layout.tile = tile;
    layout.overlap = overlap;
    layout.col_offsets = axis_offsets(scene_width, tile, overlap);
    layout.row_offsets = axis_offsets(scene_height, tile, overlap);
    const int tw = std::min(tile, scene_width), th = std::min(tile, scene_height);
    for (int r : layout.row_offsets)
        for (int c : layout.col_offsets) layout.tiles.push_back(Window{c, r, tw, th});
    return layout;
}

Window TileLayout::core(int tile_row, int tile_col) const {
    const int tw = std::min(tile, scene_width), th = std::min(tile, scene_height);
    auto span = [](const std::vector<int>& offsets, int i, int length, int scene, int& lo, int& hi) {
        lo = i == 0 ? 0 : split_point(offsets, i, length);
        hi = i + 1 == static_cast<int>(offsets.size()) ? scene : split_point(offsets, i + 1, length);
    };
    int c0, c1, r0, r1;
    span(col_offsets, tile_col, tw, scene_width, c0, c1);
    span(row_offsets, tile_row, th, scene_height, r0, r1);
    return Window{c0, r0, c1 - c0, r1 - r0};
}

TileWeights tile_weights(const Window& tile, int scene_width, int scene_height, double ramp) {
    TileWeights w;
    w.x = axis_weights(tile.col, tile.width, scene_width, ramp);
    w.y = axis_weights(tile.row, tile.height, scene_height, ramp);
    return w;
}

Window scale_window(const Window& w, int factor) {
    return Window{w.col * factor, w.row * factor, w.width * factor, w.height * factor};
}

BlendAccumulator::BlendAccumulator(int bands, const Window& region)
    : bands_(bands), region_(region),
      weighted_(static_cast<size_t>(bands) * region.pixels(), 0.0),
      weight_(static_cast<size_t>(bands) * region.pixels(), 0.0) {}

void BlendAccumulator::add(const RasterBlock& values, const Window& where, const Window& tile,
                           const TileWeights& weights) {
    if (values.bands != bands_ || values.width != where.width || values.height != where.height)
        throw Error("blend: block shape does not match its window");
    const int r0 = std::max(where.row, region_.row);
    const int r1 = std::min(where.row + where.height, region_.row + region_.height);
    const int c0 = std::max(where.col, region_.col);
    const int c1 = std::min(where.col + where.width, region_.col + region_.width);
    const size_t plane = static_cast<size_t>(region_.pixels());
    for (int b = 0; b < bands_; ++b)
        for (int r = r0; r < r1; ++r) {
            const float wy = weights.y.at(r - tile.row);
            const size_t out_row = b * plane + static_cast<size_t>(r - region_.row) * region_.width;
            for (int c = c0; c < c1; ++c) {
                const float v = values.at(b, r - where.row, c - where.col);
                if (std::isnan(v)) continue;
                const double w = static_cast<double>(wy) * weights.x.at(c - tile.col);
                const size_t i = out_row + (c - region_.col);
                weighted_[i] += w * v;
                weight_[i] += w;
            }
        }
}

RasterBlock BlendAccumulator::result() const {
    RasterBlock out(bands_, region_.width, region_.height, NAN);
    for (size_t i = 0; i < out.data.size(); ++i)
        if (weight_[i] > 0) out.data[i] = static_cast<float>(weighted_[i] / weight_[i]);
    return out;
}

}  // namespace lssr::io
