// Tile plans and blending weights: the one tile path of lssr-tile --scene/--stitch and lssr-upscale.
#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
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

// Blends the tiles of `plan` (scale 1), each transformed by `edit(tile index, block)`, in `order`.
template <typename Edit>
RasterBlock blend_tiles(const RasterBlock& img, const TilePlan& plan, const std::vector<size_t>& order,
                        Edit edit) {
    BlendAccumulator acc(img.bands, Window{0, 0, img.width, img.height});
    for (size_t i : order) {
        const PlannedTile t = plan.at(i);
        RasterBlock tile = crop(img, t.input);
        edit(i, tile);
        acc.add(tile, t);
    }
    return acc.result();
}

std::vector<int> col_offsets(const TilePlan& plan) {
    std::vector<int> out;
    for (int c = 0; c < plan.columns(); ++c) out.push_back(plan.col_offset(c));
    return out;
}

std::vector<int> row_offsets(const TilePlan& plan) {
    std::vector<int> out;
    for (int r = 0; r < plan.rows(); ++r) out.push_back(plan.row_offset(r));
    return out;
}

std::vector<size_t> in_order(size_t n) {
    std::vector<size_t> order(n);
    for (size_t i = 0; i < n; ++i) order[i] = i;
    return order;
}

// Mean |horizontal difference| across tile edges and elsewhere.
double seam_ratio(const RasterBlock& img, const TilePlan& plan) {
    std::vector<bool> edge(img.width, false);  // edge[c]: a tile starts at c or ends at c-1
    for (size_t i = 0; i < plan.size(); ++i) {
        const Window w = plan.at(i).input;
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
    const TilePlan layout = plan_tiles(200, 130, 64, 16);
    CHECK(col_offsets(layout) == std::vector<int>{0, 48, 96, 136});
    CHECK(row_offsets(layout) == std::vector<int>{0, 48, 66});
    std::vector<int> cover(200 * 130, 0), cores(200 * 130, 0);
    for (int r = 0; r < layout.rows(); ++r)
        for (int c = 0; c < layout.columns(); ++c) {
            const Window w = layout.at(r, c).input;
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
    const TilePlan layout = plan_tiles(40, 100, 64, 8);
    REQUIRE(layout.columns() == 1);
    CHECK(layout.at(0, 0).input.width == 40);
    CHECK(layout.at(0, 0).input.height == 64);
}

TEST_CASE("one check of tile size and overlap, with the messages lssr-tile gives", "[blend]") {
    auto message = [](int tile, int overlap) -> std::string {
        try {
            plan_tiles(100, 100, tile, overlap);
        } catch (const OptionError& e) {
            return e.what();
        }
        return "";
    };
    CHECK(message(64, 64) == "overlap must be at least 0 and smaller than the tile size");
    CHECK(message(64, -1) == "overlap must be at least 0 and smaller than the tile size");
    CHECK(message(0, 0) == "tile size must be at least 1 pixel");
    CHECK(message(64, 63).empty());
    CHECK_THROWS_AS(check_tiling(16, 16), OptionError);
    CHECK_NOTHROW(check_tiling(1, 0));
    CHECK_THROWS_AS(plan_tiles(0, 10, 8, 2), InputError);  // an empty scene
}

TEST_CASE("weights are 1 along scene borders and ramp smoothly inside", "[blend]") {
    const TilePlan layout = plan_tiles(200, 200, 64, 16);
    const Window corner = layout.at(0, 0).input;  // top-left
    const TileWeights w = tile_weights(corner, 200, 200, 16);
    CHECK(w.at(0, 0) == 1.0f);  // scene corner: not down-weighted
    CHECK(w.x[30] == 1.0f);     // well inside the tile
    CHECK(w.x[63] > 0.0f);      // inner edge: small but positive
    CHECK(w.x[63] < 0.01f);
    for (int i = 48; i < 63; ++i) CHECK(w.x[i] >= w.x[i + 1]);  // monotone ramp
    // Two tiles overlapping by exactly the ramp: weights sum to 1 across it.
    const TileWeights next = tile_weights(layout.at(0, 1).input, 200, 200, 16);
    for (int i = 0; i < 16; ++i) CHECK(w.x[48 + i] + next.x[i] == Approx(1.0f).epsilon(1e-6));
    // The last tile reaches the scene's right border with weight 1 there.
    const TileWeights last = tile_weights(layout.at(0, layout.columns() - 1).input, 200, 200, 16);
    CHECK(last.x.back() == 1.0f);
    CHECK(last.x.front() < 0.01f);
}

TEST_CASE("weights on a 3x finer grid keep scene borders at 1 and ramp over 3x the overlap", "[blend]") {
    const TilePlan plan = plan_tiles(100, 100, 40, 10, 3);
    CHECK(plan.output_width == 300);
    const PlannedTile t = plan.at(0, 1);
    CHECK(t.output.col == t.input.col * 3);
    CHECK(t.output.width == 120);
    const AxisWeights& x = *t.weights_x;
    const AxisWeights& y = *t.weights_y;
    REQUIRE(x.size() == 120);
    CHECK(y.front() == 1.0f);  // top scene border
    CHECK(x[0] < 0.01f);       // inner left edge
    CHECK(x[29] < 1.0f);
    CHECK(x[30] == 1.0f);
    // The plan's weights are those of the tile's output window.
    const TileWeights own = tile_weights(t.output, 300, 300, 30);
    CHECK(own.x == x);
    CHECK(own.y == y);
}

TEST_CASE("stitching unmodified tiles reproduces the image exactly", "[blend]") {
    const RasterBlock img = smooth_image(157, 101, 2);
    const TilePlan layout = plan_tiles(img.width, img.height, 48, 12);
    const RasterBlock out =
        blend_tiles(img, layout, in_order(layout.size()), [](size_t, RasterBlock&) {});
    REQUIRE(out.data.size() == img.data.size());
    CHECK(out.data == img.data);
}

TEST_CASE("blending does not depend on the order tiles arrive in", "[blend]") {
    const RasterBlock img = smooth_image(150, 120);
    const TilePlan layout = plan_tiles(img.width, img.height, 50, 20);
    auto bias = [](size_t i, RasterBlock& t) {
        for (float& v : t.data) v += static_cast<float>(i % 3) * 0.7f;
    };
    std::vector<size_t> shuffled = in_order(layout.size());
    std::mt19937 rng(7);
    std::shuffle(shuffled.begin(), shuffled.end(), rng);
    std::vector<size_t> reversed(in_order(layout.size()));
    std::reverse(reversed.begin(), reversed.end());
    const RasterBlock a = blend_tiles(img, layout, in_order(layout.size()), bias);
    const RasterBlock b = blend_tiles(img, layout, shuffled, bias);
    const RasterBlock c = blend_tiles(img, layout, reversed, bias);
    for (size_t i = 0; i < a.data.size(); ++i) {
        CHECK(a.data[i] == Approx(b.data[i]).epsilon(1e-6));
        CHECK(a.data[i] == Approx(c.data[i]).epsilon(1e-6));
    }
}

TEST_CASE("nodata (NaN) contributions are ignored, not averaged in", "[blend]") {
    const RasterBlock img = smooth_image(100, 60);
    const TilePlan layout = plan_tiles(img.width, img.height, 60, 20);
    REQUIRE(layout.columns() == 2);
    // The second tile is NaN across the overlap: the first tile alone fills it.
    const RasterBlock out =
        blend_tiles(img, layout, in_order(layout.size()), [](size_t i, RasterBlock& t) {
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

TEST_CASE("a band that is nodata in one tile takes the other tile's value while the other bands blend both", "[blend]") {
    const RasterBlock img = smooth_image(100, 60, 3);
    const TilePlan layout = plan_tiles(img.width, img.height, 60, 20);
    REQUIRE(layout.columns() == 2);
    // Tile 0 is biased everywhere, and NaN in band 1 only over the first half
    // of the overlap. It arrives last, when tile 1 already shares one weight
    // across the bands.
    const float bias = 0.5f;
    const RasterBlock out = blend_tiles(img, layout, {1, 0}, [&](size_t i, RasterBlock& t) {
        if (i != 0) return;
        for (float& v : t.data) v += bias;
        for (int r = 0; r < t.height; ++r)
            for (int c = 40; c < 50; ++c) t.at(1, r, c) = NAN;
    });
    const int row = 30, col = 45;  // inside the overlap (columns 40-59), both tiles weigh in
    CHECK(out.at(1, row, col) == Approx(img.at(1, row, col)).epsilon(1e-6));
    CHECK(out.at(0, row, col) > img.at(0, row, col) + 0.05f);
    CHECK(out.at(0, row, col) < img.at(0, row, col) + bias - 0.05f);
    CHECK(out.at(2, row, col) - img.at(2, row, col) == Approx(out.at(0, row, col) - img.at(0, row, col)).margin(1e-5));
    // Away from the NaN both tiles still blend band 1 as the others.
    CHECK(out.at(1, row, 55) - img.at(1, row, 55) == Approx(out.at(0, row, 55) - img.at(0, row, 55)).margin(1e-5));
}

TEST_CASE("per-tile biases blend smoothly: no seam at tile borders", "[blend][seam]") {
    const RasterBlock img = smooth_image(240, 200);
    const TilePlan layout = plan_tiles(img.width, img.height, 64, 16);
    // A processing step that shifts each tile by its own constant (like a model's drift).
    auto bias = [](size_t i, RasterBlock& t) {
        const float b = (i % 2) ? 0.5f : -0.5f;
        for (float& v : t.data) v += b;
    };
    const RasterBlock blended = blend_tiles(img, layout, in_order(layout.size()), bias);
    CHECK(seam_ratio(blended, layout) <= 1.05);

    // The same tiles pasted one over the other show the seams the metric is for.
    RasterBlock pasted = img;
    for (size_t i = 0; i < layout.size(); ++i) {
        const Window w = layout.at(i).input;
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

TEST_CASE("every output pixel of a 3x plan is covered by tiles whose weights are positive there", "[blend]") {
    // Scenes of all kinds of sizes against one tile: exact fits, one pixel
    // over, smaller than a tile, shifted-in last tiles.
    for (const auto& [w, h, tile, overlap] : std::vector<std::array<int, 4>>{
             {134, 134, 64, 12}, {134, 134, 48, 8}, {100, 76, 32, 8}, {65, 64, 64, 12}, {20, 300, 64, 0}, {7, 7, 3, 2}}) {
        const TilePlan plan = plan_tiles(w, h, tile, overlap, 3);
        INFO(w << "x" << h << " tile " << tile << " overlap " << overlap);
        REQUIRE(plan.output_width == 3 * w);
        REQUIRE(plan.output_height == 3 * h);
        std::vector<double> total(static_cast<size_t>(plan.output_width) * plan.output_height, 0.0);
        for (size_t i = 0; i < plan.size(); ++i) {
            const PlannedTile t = plan.at(i);
            CHECK(t.output.col == 3 * t.input.col);
            CHECK(t.output.row == 3 * t.input.row);
            REQUIRE(t.output.width == 3 * t.input.width);
            REQUIRE(t.output.height == 3 * t.input.height);
            REQUIRE(t.output.col + t.output.width <= plan.output_width);
            REQUIRE(t.output.row + t.output.height <= plan.output_height);
            REQUIRE(static_cast<int>(t.weights_x->size()) == t.output.width);
            REQUIRE(static_cast<int>(t.weights_y->size()) == t.output.height);
            for (int r = 0; r < t.output.height; ++r)
                for (int c = 0; c < t.output.width; ++c)
                    total[static_cast<size_t>(t.output.row + r) * plan.output_width + t.output.col + c] += t.weight(r, c);
        }
        CHECK(*std::min_element(total.begin(), total.end()) > 0.0);
        // Blending a constant gives the constant back everywhere.
        BlendAccumulator acc(1, Window{0, 0, plan.output_width, plan.output_height});
        for (size_t i = 0; i < plan.size(); ++i) {
            const PlannedTile t = plan.at(i);
            acc.add(RasterBlock(1, t.output.width, t.output.height, 5.0f), t);
        }
        const RasterBlock out = acc.result();
        CHECK(std::all_of(out.data.begin(), out.data.end(), [](float v) { return std::abs(v - 5.0f) < 1e-5f; }));
    }
}

TEST_CASE("tiles of one shape share one weights table: the plan does not grow with the tile count", "[blend]") {
    // A 10^6-pixel-wide scene in 64-pixel tiles: ~20,000 columns, three shapes
    // per axis (first, inner, last).
    const TilePlan plan = plan_tiles(1000000, 1000000, 64, 12, 3);
    CHECK(plan.columns() == 19231);
    CHECK(plan.size() == 19231ull * 19231ull);
    const PlannedTile a = plan.at(5, 7), b = plan.at(9000, 12345);
    CHECK(a.weights_x == b.weights_x);
    CHECK(a.weights_y == b.weights_y);
    CHECK(plan.at(0, 0).weights_x != a.weights_x);                  // a scene border on the left
    CHECK(plan.at(0, plan.columns() - 1).weights_x != a.weights_x);  // and on the right
    CHECK(plan.at(0, plan.columns() - 1).input.col == 1000000 - 64);
    CHECK(b.output.col == 3 * b.input.col);
    // find() gives back the tile of an input window, and nothing for a window off the layout.
    const auto found = plan.find(b.input);
    REQUIRE(found);
    CHECK(found->row == 9000);
    CHECK(found->col == 12345);
    CHECK_FALSE(plan.find(Window{b.input.col + 1, b.input.row, 64, 64}));
    CHECK_FALSE(plan.find(Window{b.input.col, b.input.row, 63, 64}));
}
