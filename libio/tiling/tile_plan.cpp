#include "libio/tiling/tile_plan.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "libio/core/errors.hpp"

namespace lssr::io {
namespace {

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

// A span [offset, offset + length) of scene pixels in output pixels.
void scaled_span(int offset, int length, double scale, int& out_offset, int& out_length) {
    out_offset = static_cast<int>(std::lround(offset * scale));
    out_length = static_cast<int>(std::lround((offset + length) * scale)) - out_offset;
}

}  // namespace

void check_tiling(int tile, int overlap) {
    if (tile < 1) throw OptionError("tile size must be at least 1 pixel");
    if (overlap < 0 || overlap >= tile)
        throw OptionError("overlap must be at least 0 and smaller than the tile size");
}

TilePlan plan_tiles(int scene_width, int scene_height, int tile, int overlap, double scale) {
    check_tiling(tile, overlap);
    if (scene_width < 1 || scene_height < 1) throw InputError("the scene is empty");
    TilePlan plan;
    plan.scene_width = scene_width;
    plan.scene_height = scene_height;
    plan.tile = tile;
    plan.overlap = overlap;
    plan.scale = scale;
    plan.output_width = static_cast<int>(std::lround(scene_width * scale));
    plan.output_height = static_cast<int>(std::lround(scene_height * scale));
    const double ramp = overlap * scale;
    auto make_axis = [&](int scene, int output) {
        TilePlan::Axis axis;
        axis.scene = scene;
        axis.length = std::min(tile, scene);
        axis.step = tile - overlap;
        // Origins 0, step, 2 step, ... while the tile ends inside the scene, then
        // one shifted in to end flush with the scene's edge.
        const long long inside = scene - axis.length;
        axis.count = scene <= tile ? 1 : static_cast<int>((inside + axis.step - 1) / axis.step + 1);
        axis.scale = scale;
        axis.output = output;
        for (int i = 0; i < axis.count; ++i) {
            int o, n;
            axis.span(i, o, n);
            const bool inner_start = o > 0, inner_end = o + n < output;
            const bool known = std::any_of(axis.shapes.begin(), axis.shapes.end(), [&](const TilePlan::Shape& s) {
                return s.inner_start == inner_start && s.inner_end == inner_end && s.output_length == n;
            });
            if (!known) axis.shapes.push_back({inner_start, inner_end, n, axis_weights(o, n, output, ramp)});
        }
        return axis;
    };
    plan.cols_ = make_axis(scene_width, plan.output_width);
    plan.rows_ = make_axis(scene_height, plan.output_height);
    return plan;
}

int TilePlan::Axis::offset(int i) const {
    if (i < 0 || i >= count) throw Error("tile plan: no tile " + std::to_string(i) + " on this axis");
    return i + 1 < count ? i * step : scene - length;
}

int TilePlan::Axis::index_of(int o) const {
    if (o == offset(count - 1)) return count - 1;
    return o >= 0 && o % step == 0 && o / step < count - 1 ? o / step : -1;
}

void TilePlan::Axis::span(int i, int& output_offset, int& output_length) const {
    scaled_span(offset(i), length, scale, output_offset, output_length);
}

const AxisWeights& TilePlan::Axis::weights(int i) const {
    int o, n;
    span(i, o, n);
    const bool inner_start = o > 0, inner_end = o + n < output;
    for (const Shape& s : shapes)
        if (s.inner_start == inner_start && s.inner_end == inner_end && s.output_length == n) return s.weights;
    throw Error("tile plan: no weights for tile " + std::to_string(i));  // every shape is made by plan_tiles
}

Window TilePlan::output_window(const Window& w) const {
    Window out;
    scaled_span(w.col, w.width, scale, out.col, out.width);
    scaled_span(w.row, w.height, scale, out.row, out.height);
    return out;
}

PlannedTile TilePlan::at(int tile_row, int tile_col) const {
    PlannedTile t;
    t.row = tile_row;
    t.col = tile_col;
    t.input = Window{cols_.offset(tile_col), rows_.offset(tile_row), tile_width(), tile_height()};
    t.output = output_window(t.input);
    t.weights_x = &cols_.weights(tile_col);
    t.weights_y = &rows_.weights(tile_row);
    return t;
}

std::optional<PlannedTile> TilePlan::find(const Window& input) const {
    const int c = cols_.index_of(input.col), r = rows_.index_of(input.row);
    if (c < 0 || r < 0 || input.width != tile_width() || input.height != tile_height()) return std::nullopt;
    return at(r, c);
}

Window TilePlan::core(int tile_row, int tile_col) const {
    // From the middle of the overlap with the previous tile to the middle of
    // the overlap with the next; the scene's edges for the first and last.
    auto span = [](const Axis& axis, int i, int& lo, int& hi) {
        lo = i == 0 ? 0 : (axis.offset(i) + axis.offset(i - 1) + axis.length) / 2;
        hi = i + 1 == axis.count ? axis.scene : (axis.offset(i + 1) + axis.offset(i) + axis.length) / 2;
    };
    int c0, c1, r0, r1;
    span(cols_, tile_col, c0, c1);
    span(rows_, tile_row, r0, r1);
    return Window{c0, r0, c1 - c0, r1 - r0};
}

TileWeights tile_weights(const Window& tile, int scene_width, int scene_height, double ramp) {
    TileWeights w;
    w.x = axis_weights(tile.col, tile.width, scene_width, ramp);
    w.y = axis_weights(tile.row, tile.height, scene_height, ramp);
    return w;
}

BlendAccumulator::BlendAccumulator(int bands, const Window& region)
    : bands_(bands), region_(region),
      weighted_(static_cast<size_t>(bands) * region.pixels(), 0.0),
      weight_(static_cast<size_t>(region.pixels()), 0.0) {}

bool BlendAccumulator::nan_differs_by_band(const RasterBlock& values, const Window& where, int r0, int r1, int c0,
                                           int c1) const {
    for (int r = r0; r < r1; ++r)
        for (int c = c0; c < c1; ++c) {
            const bool first = std::isnan(values.at(0, r - where.row, c - where.col));
            for (int b = 1; b < bands_; ++b)
                if (std::isnan(values.at(b, r - where.row, c - where.col)) != first) return true;
        }
    return false;
}

void BlendAccumulator::split_weights() {
    const size_t plane = weight_.size();
    std::vector<double> per_band(static_cast<size_t>(bands_) * plane);
    for (int b = 0; b < bands_; ++b) std::copy(weight_.begin(), weight_.end(), per_band.begin() + b * plane);
    weight_ = std::move(per_band);
    per_band_weights_ = true;
}

void BlendAccumulator::add(const RasterBlock& values, const Window& where, const Window& tile,
                           const AxisWeights& x, const AxisWeights& y) {
    if (values.bands != bands_ || values.width != where.width || values.height != where.height)
        throw Error("blend: block shape does not match its window");
    const int r0 = std::max(where.row, region_.row);
    const int r1 = std::min(where.row + where.height, region_.row + region_.height);
    const int c0 = std::max(where.col, region_.col);
    const int c1 = std::min(where.col + where.width, region_.col + region_.width);
    if (!per_band_weights_ && nan_differs_by_band(values, where, r0, r1, c0, c1)) split_weights();
    const size_t plane = static_cast<size_t>(region_.pixels());
    // With a shared weight every band is NaN where band 0 is: band 0 adds it.
    for (int b = 0; b < bands_; ++b) {
        const bool adds_weight = per_band_weights_ || b == 0;
        double* weight = weight_.data() + (per_band_weights_ ? b * plane : 0);
        for (int r = r0; r < r1; ++r) {
            const float wy = y.at(r - tile.row);
            const size_t out_row = static_cast<size_t>(r - region_.row) * region_.width;
            for (int c = c0; c < c1; ++c) {
                const float v = values.at(b, r - where.row, c - where.col);
                if (std::isnan(v)) continue;
                const double w = static_cast<double>(wy) * x.at(c - tile.col);
                const size_t i = out_row + (c - region_.col);
                weighted_[b * plane + i] += w * v;
                if (adds_weight) weight[i] += w;
            }
        }
    }
}

RasterBlock BlendAccumulator::result() const {
    RasterBlock out(bands_, region_.width, region_.height, NAN);
    const size_t plane = static_cast<size_t>(region_.pixels());
    for (size_t i = 0; i < out.data.size(); ++i) {
        const double w = weight_[per_band_weights_ ? i : i % plane];
        if (w > 0) out.data[i] = static_cast<float>(weighted_[i] / w);
    }
    return out;
}

}  // namespace lssr::io
