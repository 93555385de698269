// Tile layouts and blending weights shared by lssr-tile --stitch and lssr-upscale.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <random>

#include "libio/tiling/tile_plan.hpp"
#include "libio/core/errors.hpp"

using namespace lssr;
using namespace lssr::io;

namespace {

// A smooth test image: gentle gradients plus slow waves.
RasterBlock smooth_image(int width, int height, int bands = 1) {
    RasterBlock img(bands, width, height);
    for (int b = 0; b < bands; ++b)
        for (int r = 0; r < height; ++r)
            for (int c = 0; c < width; ++c)
                img.at(b, r, c) = static_cast<float>(10 + b + 0.05 * c + 0.03 * r + std::sin(c / 15.0) +
                                                     std::cos(r / 17.0));
    return img;
}

// Blends the tiles of `layout`, each transformed by `edit(tile index, block)`, in `order`.
template <typename Edit>
RasterBlock blend_tiles(const RasterBlock& img, const TileLayout& layout, const std::vector<size_t>& order,
                        Edit edit) {
    BlendAccumulator acc(img.bands, Window{0, 0, img.width, img.height});
    for (size_t i : order) {
        const Window& w = layout.tiles[i];
        RasterBlock tile = crop(img, w);
        edit(i, tile);
        acc.add(tile, w, w, tile_weights(w, img.width, img.height, layout.overlap));
    }
    return acc.result();
}

std::vector<size_t> in_order(size_t n) {
    std::vector<size_t> order(n);
    for (size_t i = 0; i < n; ++i) order[i] = i;
    return order;
}

// Mean |horizontal difference| across tile edges and elsewhere.
double seam_ratio(const RasterBlock& img, const TileLayout& layout) {
    std::vector<bool> edge(img.width, false);  // edge[c]: a tile starts at c or ends at c-1
    for (const Window& w : layout.tiles) {
        if (w.col > 0) edge[w.col] = true;
        if (w.col + w.width < img.width) edge[w.col + w.width] = true;
    }
    double across = 0, inside = 0;
    long long n_across = 0, n_inside = 0;
    for (int r = 0; r < img.height; ++r)
        for (int c = 1; c < img.width; ++c) {
            const double d = std::abs(img.at(0, r, c) - img.at(0, r, c - 1));
            if (edge[c]) {
                across += d;
                ++n_across;
            } else {
                inside += d;
                ++n_inside;
            }
        }
    return (across / n_across) / (inside / n_inside);
}

}  // namespace

TEST_CASE("tiles cover the scene, the last ones shifted in to full size", "[blend]") {
    const TileLayout layout = plan_tiles(200, 130, 64, 16);
    CHECK(layout.col_offsets == std::vector<int>{0, 48, 96, 136});
    CHECK(layout.row_offsets == std::vector<int>{0, 48, 66});
    std::vector<int> cover(200 * 130, 0), cores(200 * 130, 0);
    for (int r = 0; r < layout.rows(); ++r)
        for (int c = 0; c < layout.columns(); ++c) {
            const Window& w = layout.tiles[r * layout.columns() + c];
            CHECK(w.width == 64);
            CHECK(w.height == 64);
            for (int y = w.row; y < w.row + w.height; ++y)
                for (int x = w.col; x < w.col + w.width; ++x) ++cover[y * 200 + x];
            const Window core = layout.core(r, c);
            // the core lies inside its tile
            CHECK(core.col >= w.col);
            CHECK(core.col + core.width <= w.col + w.width);
            for (int y = core.row; y < core.row + core.height; ++y)
                for (int x = core.col; x < core.col + core.width; ++x) ++cores[y * 200 + x];
        }
    CHECK(*std::min_element(cover.begin(), cover.end()) >= 1);
    // cores partition the scene: every pixel in exactly one
    CHECK(*std::min_element(cores.begin(), cores.end()) == 1);
    CHECK(*std::max_element(cores.begin(), cores.end()) == 1);
}

TEST_CASE("a scene smaller than a tile is one tile of the scene's size", "[blend]") {
    const TileLayout layout = plan_tiles(40, 100, 64, 8);
    REQUIRE(layout.columns() == 1);
    CHECK(layout.tiles.front().width == 40);
    CHECK(layout.tiles.front().height == 64);
    CHECK_THROWS_AS(plan_tiles(100, 100, 64, 64), OptionError);
    CHECK_THROWS_AS(plan_tiles(100, 100, 0, 0), OptionError);
}

TEST_CASE("weights are 1 along scene borders and ramp smoothly inside", "[blend]") {
    const TileLayout layout = plan_tiles(200, 200, 64, 16);
    const Window& corner = layout.tiles.front();  // top-left
    const TileWeights w = tile_weights(corner, 200, 200, 16);
    CHECK(w.at(0, 0) == 1.0f);  // scene corner: not down-weighted
    CHECK(w.x[30] == 1.0f);     // well inside the tile
    CHECK(w.x[63] > 0.0f);      // inner edge: small but positive
    CHECK(w.x[63] < 0.01f);
    for (int i = 48; i < 63; ++i) CHECK(w.x[i] >= w.x[i + 1]);  // monotone ramp
    // Two tiles overlapping by exactly the ramp: weights sum to 1 across it.
    const TileWeights next = tile_weights(layout.tiles[1], 200, 200, 16);
    for (int i = 0; i < 16; ++i) CHECK(w.x[48 + i] + next.x[i] == Approx(1.0f).epsilon(1e-6));
    // The last tile reaches the scene's right border with weight 1 there.
    const TileWeights last = tile_weights(layout.tiles[layout.columns() - 1], 200, 200, 16);
    CHECK(last.x.back() == 1.0f);
    CHECK(last.x.front() < 0.01f);
}

TEST_CASE("weights on a 3x finer grid keep scene borders at 1 and ramp over 3x the overlap", "[blend]") {
    const TileLayout layout = plan_tiles(100, 100, 40, 10);
    const Window w3 = scale_window(layout.tiles[1], 3);
    CHECK(w3.col == layout.tiles[1].col * 3);
    CHECK(w3.width == 120);
    const TileWeights w = tile_weights(w3, 300, 300, 30);
    CHECK(w.y.front() == 1.0f);  // top scene border
    CHECK(w.x[0] < 0.01f);       // inner left edge
    CHECK(w.x[29] < 1.0f);
    CHECK(w.x[30] == 1.0f);
}

TEST_CASE("stitching unmodified tiles reproduces the image exactly", "[blend]") {
    const RasterBlock img = smooth_image(157, 101, 2);
    const TileLayout layout = plan_tiles(img.width, img.height, 48, 12);
    const RasterBlock out =
        blend_tiles(img, layout, in_order(layout.tiles.size()), [](size_t, RasterBlock&) {});
    REQUIRE(out.data.size() == img.data.size());
    CHECK(out.data == img.data);
}

TEST_CASE("blending does not depend on the order tiles arrive in", "[blend]") {
    const RasterBlock img = smooth_image(150, 120);
    const TileLayout layout = plan_tiles(img.width, img.height, 50, 20);
    auto bias = [](size_t i, RasterBlock& t) {
        for (float& v : t.data) v += static_cast<float>(i % 3) * 0.7f;
    };
    std::vector<size_t> shuffled = in_order(layout.tiles.size());
    std::mt19937 rng(7);
    std::shuffle(shuffled.begin(), shuffled.end(), rng);
    std::vector<size_t> reversed(in_order(layout.tiles.size()));
    std::reverse(reversed.begin(), reversed.end());
    const RasterBlock a = blend_tiles(img, layout, in_order(layout.tiles.size()), bias);
    const RasterBlock b = blend_tiles(img, layout, shuffled, bias);
    const RasterBlock c = blend_tiles(img, layout, reversed, bias);
    for (size_t i = 0; i < a.data.size(); ++i) {
        CHECK(a.data[i] == Approx(b.data[i]).epsilon(1e-6));
        CHECK(a.data[i] == Approx(c.data[i]).epsilon(1e-6));
    }
}

TEST_CASE("nodata (NaN) contributions are ignored, not averaged in", "[blend]") {
    const RasterBlock img = smooth_image(100, 60);
    const TileLayout layout = plan_tiles(img.width, img.height, 60, 20);
    REQUIRE(layout.columns() == 2);
    // The second tile is NaN across the overlap: the first tile alone fills it.
    const RasterBlock out =
        blend_tiles(img, layout, in_order(layout.tiles.size()), [](size_t i, RasterBlock& t) {
            if (i == 1)
                for (int r = 0; r < t.height; ++r)
                    for (int c = 0; c < 20; ++c) t.at(0, r, c) = NAN;
        });
    CHECK(out.data == img.data);
    // Where no tile has data the result is NaN.
    BlendAccumulator acc(1, Window{0, 0, 4, 1});
    RasterBlock missing(1, 4, 1, NAN);
    acc.add(missing, Window{0, 0, 4, 1}, Window{0, 0, 4, 1}, tile_weights(Window{0, 0, 4, 1}, 4, 1, 2));
    CHECK(std::isnan(acc.result().data[2]));
}

TEST_CASE("per-tile biases blend smoothly: no seam at tile borders", "[blend][seam]") {
    const RasterBlock img = smooth_image(240, 200);
    const TileLayout layout = plan_tiles(img.width, img.height, 64, 16);
    // A processing step that shifts each tile by its own constant (like a model's drift).
    auto bias = [](size_t i, RasterBlock& t) {
        const float b = (i % 2) ? 0.5f : -0.5f;
        for (float& v : t.data) v += b;
    };
    const RasterBlock blended = blend_tiles(img, layout, in_order(layout.tiles.size()), bias);
    CHECK(seam_ratio(blended, layout) <= 1.05);

    // The same tiles pasted one over the other show the seams the metric is for.
    RasterBlock pasted = img;
    for (size_t i = 0; i < layout.tiles.size(); ++i) {
        const Window& w = layout.tiles[i];
        RasterBlock t = crop(img, w);
        bias(i, t);
        for (int r = 0; r < w.height; ++r)
            for (int c = 0; c < w.width; ++c) pasted.at(0, w.row + r, w.col + c) = t.at(0, r, c);
    }
    CHECK(seam_ratio(pasted, layout) > 2.0);

    // The bias step (1.0) is spread over the 16-pixel ramp: the error changes by
    // at most 1.0 * pi / (2 * 16) per pixel instead of jumping.
    double max_step = 0;
    for (int r = 0; r < img.height; ++r)
        for (int c = 1; c < img.width; ++c) {
            const double e1 = blended.at(0, r, c) - img.at(0, r, c);
            const double e0 = blended.at(0, r, c - 1) - img.at(0, r, c - 1);
            max_step = std::max(max_step, std::abs(e1 - e0));
        }
    CHECK(max_step < 1.0 * M_PI / 32 + 0.01);
}
