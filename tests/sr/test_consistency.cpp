// Consistency by construction (--consistency exact): every 3x3 block of the
// output averages to its 30 m input pixel, per band, around nodata holes and
// across tile and strip borders, without block artifacts, for stand-in models,
// the default model and a diffusers base; --consistency none leaves the output alone.
#include <catch2/catch.hpp>

#include <gdal_priv.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <random>

#include "libio/gdal/raster.hpp"
#include "libupscale/consistency.hpp"
#include "libupscale/lr_scene.hpp"
#include "libsr/lssr/model_input.hpp"
#include "libupscale/scene_upscale.hpp"
#include "support.hpp"

using namespace lssr;
using namespace lssr::io;
using lssr::test::data_path;
using lssr::test::run_tool;
using lssr::test::TempDir;

namespace {

RasterBlock random_block(int bands, int width, int height, unsigned seed) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> u(0.0f, 1.0f);
    RasterBlock b(bands, width, height);
    for (float& v : b.data) v = u(rng);
    return b;
}

// The 1-D D U operator as a matrix: [1/9, 7/9, 1/9], 8/9 on the diagonal at the ends.
std::vector<std::vector<double>> block_mean_of_bilinear(int n) {
    std::vector<std::vector<double>> m(n, std::vector<double>(n, 0.0));
    for (int i = 0; i < n; ++i) {
        m[i][i] += 7.0 / 9;
        m[i][std::max(i - 1, 0)] += 1.0 / 9;
        m[i][std::min(i + 1, n - 1)] += 1.0 / 9;
    }
    return m;
}

// A textured Int16 reflectance scene (scale 1e-4, nodata -9999) with holes.
const std::function<bool(int, int)> kHoles = [](int r, int c) {
    return (r >= 9 && r < 15 && c >= 14 && c < 22) || (r == 30 && c > 3) || (r + c) % 37 == 0;
};

void write_scene(const std::string& path, int width, int height, const std::function<bool(int, int)>& hole) {
    RasterSpec spec;
    spec.grid = lssr::test::utm_grid(width, height, 30.0, 500010.0, 4600020.0);
    spec.bands = 6;
    spec.type = GDT_Int16;
    spec.nodata = -9999.0;
    spec.descriptions = {"blue", "green", "red", "nir", "swir1", "swir2"};
    spec.scalings.assign(6, BandScaling{1e-4, 0.0, -9999.0});
    std::mt19937 rng(7);
    std::uniform_int_distribution<int> noise(-300, 300);
    RasterBlock block(6, width, height);
    for (int b = 0; b < 6; ++b)
        for (int r = 0; r < height; ++r)
            for (int c = 0; c < width; ++c)
                block.at(b, r, c) = hole && hole(r, c)
                    ? -9999.0f
                    : static_cast<float>(1500 + 400 * b + 900 * std::sin(0.21 * c + 0.5 * b) * std::cos(0.17 * r) +
                                         noise(rng));
    write_raster(path, spec, block, OutputOptions{});
}

struct BlockCheck {
    double max_error = 0;  // |mean of the 3x3 output block - input|, largest over valid input pixels
    size_t blocks = 0;     // valid input pixels checked
    size_t wrong_mask = 0; // output pixels whose nodata-ness differs from their input pixel's
};

// `out` holds output values on the scale `out_per_in` times the input's stored values.
BlockCheck check_blocks(const lssr::test::RasterFile& in, const lssr::test::RasterFile& out, double out_per_in) {
    BlockCheck check;
    auto missing = [](const lssr::test::RasterFile& f, float v) {
        return std::isnan(v) || (f.has_nodata && v == static_cast<float>(f.nodata));
    };
    for (int b = 0; b < 6; ++b)
        for (int r = 0; r < in.grid.height; ++r)
            for (int c = 0; c < in.grid.width; ++c) {
                const bool hole = missing(in, in.values.at(b, r, c));
                double sum = 0;
                for (int i = 0; i < 3; ++i)
                    for (int j = 0; j < 3; ++j) {
                        const float v = out.values.at(b, 3 * r + i, 3 * c + j);
                        check.wrong_mask += missing(out, v) != hole;
                        sum += v;
                    }
                if (hole) continue;
                ++check.blocks;
                check.max_error = std::max(check.max_error, std::abs(sum / 9 - out_per_in * in.values.at(b, r, c)));
            }
    return check;
}

// Mean |step| between neighbouring output pixels across 3x3 block borders
// over the mean inside blocks, both axes, pairs of valid pixels only.
double block_border_step_ratio(const lssr::test::RasterFile& out) {
    double border = 0, inside = 0;
    size_t nb = 0, ni = 0;
    auto valid = [&](float v) { return !std::isnan(v) && !(out.has_nodata && v == static_cast<float>(out.nodata)); };
    auto add = [&](int pos, float a, float b) {
        if (!valid(a) || !valid(b)) return;
        if (pos % 3 == 0) border += std::abs(a - b), ++nb;
        else inside += std::abs(a - b), ++ni;
    };
    for (int b = 0; b < 6; ++b)
        for (int r = 0; r < out.grid.height; ++r)
            for (int c = 0; c < out.grid.width; ++c) {
                if (c > 0) add(c, out.values.at(b, r, c), out.values.at(b, r, c - 1));
                if (r > 0) add(r, out.values.at(b, r, c), out.values.at(b, r - 1, c));
            }
    return (border / nb) / (inside / ni);
}

// Stand-in model: bilinear x3 of the tile (smooth, not block-consistent on its
// own), optionally plus noise and an offset that differs from tile to tile,
// or nearest x3 plus noise that depends on the output position only (so the
// blended output does not depend on the tiling).
class StandInModel : public sr::TileModel {
public:
    enum Kind { Smooth, NoisyPerTile, TilingInvariant };
    explicit StandInModel(Kind kind) : kind_(kind) {}
    std::vector<RasterBlock> upscale(const std::vector<sr::TileInput>& tiles) override {
        std::vector<RasterBlock> out;
        for (const auto& t : tiles) {
            RasterBlock b = sr::upsample_bilinear_x3(t.lr);
            const int r0 = 3 * t.window.row, c0 = 3 * t.window.col;
            const float offset = ((t.window.col / 7 + t.window.row / 5) % 2) * 0.02f;
            for (int band = 0; band < 6; ++band)
                for (int r = 0; r < b.height; ++r)
                    for (int c = 0; c < b.width; ++c) {
                        const int gr = r0 + r, gc = c0 + c;
                        const float texture = 0.01f * std::sin(1.7f * gr + 0.3f * band) * std::cos(2.3f * gc);
                        float& v = b.at(band, r, c);
                        if (kind_ == NoisyPerTile) v += offset + texture + 0.005f * std::sin(0.9f * (r * c + band));
                        if (kind_ == TilingInvariant) v = t.lr.at(band, r / 3, c / 3) + texture;
                    }
            out.push_back(std::move(b));
        }
        return out;
    }

private:
    Kind kind_;
};

lssr::test::RasterFile upscale_with(const sr::LrScene& scene, StandInModel::Kind kind, const std::string& out,
                                    int tile, int overlap, const std::string& data_type, long long strip_bytes,
                                    sr::Consistency consistency = sr::Consistency::Exact) {
    StandInModel model(kind);
    sr::UpscaleOptions options;
    options.tile = tile;
    options.overlap = overlap;
    options.batch = 3;
    options.output = out;
    options.data_type = data_type;
    options.strip_bytes = strip_bytes;
    options.consistency = consistency;
    sr::upscale_scene(scene, model, options);
    return lssr::test::read_raster_file(out);
}

}  // namespace

TEST_CASE("the block mean of the bilinear x3 upsampling is the separable tridiagonal M (x) M",
          "[sr][consistency]") {
    for (auto [w, h] : std::vector<std::pair<int, int>>{{11, 7}, {1, 5}, {2, 1}}) {
        const auto c = random_block(2, w, h, 3u + w);
        const auto got = sr::block_mean_x3(sr::upsample_bilinear_x3(c));
        const auto mr = block_mean_of_bilinear(h), mc = block_mean_of_bilinear(w);
        double max_diff = 0;
        for (int b = 0; b < 2; ++b)
            for (int i = 0; i < h; ++i)
                for (int j = 0; j < w; ++j) {
                    double want = 0;
                    for (int k = 0; k < h; ++k)
                        for (int l = 0; l < w; ++l) want += mr[i][k] * c.at(b, k, l) * mc[j][l];
                    max_diff = std::max(max_diff, std::abs(want - got.at(b, i, j)));
                }
        INFO(w << "x" << h);
        CHECK(max_diff < 1e-6);
    }
    // The upsampling is the model input path's (LibTorch bilinear, align_corners false).
    const auto c = random_block(6, 13, 9, 11);
    const auto mine = sr::upsample_bilinear_x3(c);
    const auto t = torch::from_blob(const_cast<float*>(c.data.data()), {1, 6, 9, 13}, torch::kFloat32);
    const auto theirs = sr::upsample_x3(t).contiguous();
    REQUIRE(theirs.numel() == static_cast<int64_t>(mine.data.size()));
    CHECK(torch::allclose(theirs, torch::from_blob(const_cast<float*>(mine.data.data()), {1, 6, 27, 39}), 1e-6, 1e-6));
}

TEST_CASE("project_consistent makes every valid 3x3 block average to its input, holes aside",
          "[sr][consistency]") {
    auto lr = random_block(3, 17, 12, 5);
    for (int r = 3; r < 6; ++r)
        for (int c = 4; c < 9; ++c) lr.at(1, r, c) = NAN;
    lr.at(0, 0, 0) = NAN;
    lr.at(2, 11, 16) = NAN;
    auto hr = sr::upsample_bilinear_x3(random_block(3, 17, 12, 6));
    hr.at(2, 10, 10) = NAN;  // a non-finite model value: its block imposes nothing
    const auto before = hr;
    const auto stats = sr::project_consistent(hr, lr);
    CHECK(stats.max_residual < 1e-8);
    CHECK(stats.max_iterations <= 30);
    const auto means = sr::block_mean_x3(hr);
    double max_error = 0;
    size_t changed = 0;
    for (int b = 0; b < 3; ++b)
        for (int r = 0; r < 12; ++r)
            for (int c = 0; c < 17; ++c) {
                if (std::isnan(lr.at(b, r, c)) || (b == 2 && r == 3 && c == 3)) continue;
                max_error = std::max(max_error, double(std::abs(means.at(b, r, c) - lr.at(b, r, c))));
            }
    for (size_t i = 0; i < hr.data.size(); ++i) changed += !(hr.data[i] == before.data[i]);
    CHECK(max_error < 1e-6);
    CHECK(changed > hr.data.size() / 2);
    CHECK(std::isnan(hr.at(2, 10, 10)));
}

TEST_CASE("upscale_scene --consistency exact: block means equal the input across tile borders and holes",
          "[sr][consistency][upscale]") {
    TempDir tmp;
    const auto in = tmp.file("scene.tif");
    write_scene(in, 53, 41, kHoles);
    std::vector<std::string> warnings;
    const auto scene = sr::resolve_lr_scene(in, warnings);
    const auto input = lssr::test::read_raster_file(in);

    // Tiles of 16 with overlap 4: 4 x 3 tiles, offsets and noise differing per tile.
    const auto dn = upscale_with(scene, StandInModel::NoisyPerTile, tmp.file("dn.tif"), 16, 4, "", 20000);
    auto check = check_blocks(input, dn, 1.0);
    INFO("Int16: max block error " << check.max_error << " DN");
    CHECK(check.blocks > 6 * 53 * 41 * 9 / 10);
    CHECK(check.wrong_mask == 0);
    CHECK(check.max_error <= 0.5);
    CHECK(dn.metadata.at("LSSR_CONSISTENCY") == "exact");

    const auto refl = upscale_with(scene, StandInModel::NoisyPerTile, tmp.file("refl.tif"), 16, 4, "Float32", 20000);
    check = check_blocks(input, refl, 1e-4);
    INFO("Float32: max block error " << check.max_error);
    CHECK(check.wrong_mask == 0);
    CHECK(check.max_error <= 1e-5);

    // The stand-in is far from consistent without the projection.
    const auto plain = upscale_with(scene, StandInModel::NoisyPerTile, tmp.file("plain.tif"), 16, 4, "Float32", 20000,
                                    sr::Consistency::None);
    CHECK(check_blocks(input, plain, 1e-4).max_error > 0.01);
    CHECK(plain.metadata.at("LSSR_CONSISTENCY") == "none");
}

TEST_CASE("upscale_scene --consistency exact does not depend on strip size or tiling",
          "[sr][consistency][upscale][seams]") {
    TempDir tmp;
    const auto in = tmp.file("scene.tif");
    write_scene(in, 47, 61, kHoles);
    std::vector<std::string> warnings;
    const auto scene = sr::resolve_lr_scene(in, warnings);
    // The stand-in's blended output is the same for every tiling; only where
    // strips are cut (many small ones vs one) and where tiles end differ.
    const auto a = upscale_with(scene, StandInModel::TilingInvariant, tmp.file("a.tif"), 16, 4, "Float32", 20000);
    const auto b = upscale_with(scene, StandInModel::TilingInvariant, tmp.file("b.tif"), 24, 6, "Float32", 128LL << 20);
    REQUIRE(a.values.data.size() == b.values.data.size());
    double max_diff = 0;
    for (size_t i = 0; i < a.values.data.size(); ++i)
        if (!std::isnan(a.values.data[i]) || !std::isnan(b.values.data[i]))
            max_diff = std::max(max_diff, double(std::abs(a.values.data[i] - b.values.data[i])));
    INFO("max difference " << max_diff);
    CHECK(max_diff <= 1e-6);
    CHECK(check_blocks(lssr::test::read_raster_file(in), a, 1e-4).max_error <= 1e-5);
}

TEST_CASE("the consistency projection of a smooth model leaves no block artifacts", "[sr][consistency][upscale]") {
    TempDir tmp;
    const auto in = tmp.file("scene.tif");
    write_scene(in, 53, 41, kHoles);
    std::vector<std::string> warnings;
    const auto scene = sr::resolve_lr_scene(in, warnings);
    const auto out = upscale_with(scene, StandInModel::Smooth, tmp.file("smooth.tif"), 16, 4, "Float32", 20000);
    const auto input = lssr::test::read_raster_file(in);
    CHECK(check_blocks(input, out, 1e-4).max_error <= 1e-5);
    const double ratio = block_border_step_ratio(out);
    INFO("neighbour-step ratio, block borders / inside: " << ratio);
    CHECK(ratio <= 1.05);
    CHECK(ratio >= 0.95);
}

TEST_CASE("lssr-upscale --consistency exact holds block means for the default model and a diffusers base",
          "[sr][consistency][cli]") {
    TempDir tmp;
    const auto in = tmp.file("scene.tif");
    write_scene(in, 40, 34, kHoles);
    const auto input = lssr::test::read_raster_file(in);
    const std::vector<std::string> tiling{"--tile", "16", "--overlap", "4", "-q", "--threads", "2"};
    const std::vector<std::vector<std::string>> models{
        {},  // the default model
        {"--base-model", data_path("sd-tiny/base"), "--adapter", "none", "--prompt-embedding",
         data_path("sd-tiny/prompt_embedding.safetensors")}};
    for (size_t m = 0; m < models.size(); ++m) {
        for (const std::string mode : {"exact", "none"}) {
            const auto out = tmp.file("sr" + std::to_string(m) + mode + ".tif");
            auto args = models[m];
            args.insert(args.end(), tiling.begin(), tiling.end());
            args.insert(args.end(), {in, "-o", out});
            if (mode == "none") args.insert(args.end(), {"--consistency", "none"});
            const auto r = run_tool("lssr-upscale", args);
            INFO(r.err);
            REQUIRE(r.exit_code == 0);
            const auto got = lssr::test::read_raster_file(out);
            const auto check = check_blocks(input, got, 1.0);
            INFO("model " << m << " " << mode << ": max block error " << check.max_error << " DN");
            CHECK(check.wrong_mask == 0);
            CHECK(got.metadata.at("LSSR_CONSISTENCY") == mode);
            if (mode == "exact") CHECK(check.max_error <= 0.5);
            else CHECK(check.max_error > 0.5);  // what the projection fixes
        }
    }
    const auto r = run_tool("lssr-upscale", {in, "-o", tmp.file("bad.tif"), "--consistency", "approximate", "-q"});
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("--consistency") != std::string::npos);
}

TEST_CASE("project_consistent keeps dark inputs non-negative under a too-bright model output",
          "[sr][consistency]") {
    // Water-like input (reflectance 0.002..0.012) under an output that is ten
    // times too bright and noisy: one plain projection goes below zero.
    std::mt19937 rng(21);
    std::uniform_real_distribution<float> dark(0.002f, 0.012f), bright(0.0f, 0.2f);
    RasterBlock lr(2, 15, 12), hr(2, 45, 36);
    for (auto& v : lr.data) v = dark(rng);
    for (auto& v : hr.data) v = bright(rng);
    sr::project_consistent(hr, lr);
    const auto means = sr::block_mean_x3(hr);
    float lowest = 0.0f, worst = 0.0f;
    for (float v : hr.data) lowest = std::min(lowest, v);
    for (size_t i = 0; i < lr.data.size(); ++i) worst = std::max(worst, std::abs(means.data[i] - lr.data[i]));
    CHECK(lowest > -1e-6f);  // the projection alone goes below zero here; the block shrink ends it
    CHECK(worst < 1e-6f);
}

TEST_CASE("project_consistent keeps a dark shore pixel above 3/4 of the darkest input pixel around it",
          "[sr][consistency]") {
    // Forest (0.3) beside water (0.02) under a model output that rings across
    // the shore: a dark pixel clamped to 0 in NIR would read NDVI -1.
    std::mt19937 rng(22);
    std::uniform_real_distribution<float> noise(-0.15f, 0.15f);
    RasterBlock lr(1, 12, 9), hr(1, 36, 27);
    for (int r = 0; r < lr.height; ++r)
        for (int c = 0; c < lr.width; ++c) lr.at(0, r, c) = c < 6 ? 0.3f : 0.02f;
    for (int r = 0; r < hr.height; ++r)
        for (int c = 0; c < hr.width; ++c) hr.at(0, r, c) = lr.at(0, r / 3, c / 3) + noise(rng);
    sr::project_consistent(hr, lr);
    const auto means = sr::block_mean_x3(hr);
    for (int i = 0; i < lr.height; ++i)
        for (int j = 0; j < lr.width; ++j) {
            float darkest = 1.0f;
            for (int di = -1; di <= 1; ++di)
                for (int dj = -1; dj <= 1; ++dj)
                    darkest = std::min(darkest, lr.at(0, std::clamp(i + di, 0, lr.height - 1), std::clamp(j + dj, 0, lr.width - 1)));
            for (int r = 0; r < 3; ++r)
                for (int c = 0; c < 3; ++c) REQUIRE(hr.at(0, 3 * i + r, 3 * j + c) >= 0.75f * darkest - 1e-6f);
            REQUIRE(std::abs(means.at(0, i, j) - lr.at(0, i, j)) < 1e-6f);
        }
}

TEST_CASE("project_consistent gives the same bytes and statistics on any number of threads", "[sr][consistency]") {
    auto lr = random_block(6, 20, 14, 31);
    lr.at(4, 2, 3) = NAN;
    const auto model_output = sr::upsample_bilinear_x3(random_block(6, 20, 14, 32));
    auto one = model_output;
    const auto stats_one = sr::project_consistent(one, lr, 1);
    CHECK(sr::block_mean_x3(one).at(0, 5, 5) == Approx(lr.at(0, 5, 5)).margin(1e-6));
    for (int threads : {2, 4, 6, 9}) {
        INFO(threads << " threads");
        auto many = model_output;
        const auto stats = sr::project_consistent(many, lr, threads);
        CHECK(stats.max_iterations == stats_one.max_iterations);
        CHECK(stats.max_residual == stats_one.max_residual);
        CHECK(std::equal(many.data.begin(), many.data.end(), one.data.begin(),
                         [](float a, float b) { return a == b || (std::isnan(a) && std::isnan(b)); }));
    }
}
