// lssr-upscale as users run it on the sd-tiny base (plain one-step path):
// the reference output, the x3 grid, nodata/Fmask propagation, seamless and
// reproducible tiling, and one-line errors.
#include <catch2/catch.hpp>

#include <gdal_priv.h>
#include <torch/torch.h>

#include <cmath>
#include <filesystem>
#include <algorithm>
#include <fstream>
#include <functional>
#include <map>
#include <set>

#include "libio/gdal/gdal_dataset.hpp"
#include "libio/gdal/raster.hpp"
#include "libio/tiling/tile_plan.hpp"
#include "sr/upscale_args.hpp"
#include "support.hpp"

namespace fs = std::filesystem;
using namespace lssr;
using namespace lssr::io;
using lssr::test::data_path;
using lssr::test::run_tool;
using lssr::test::TempDir;

using lssr::test::base_args;
using lssr::test::with;

namespace {

using Loaded = lssr::test::RasterFile;
Loaded load(const std::string& path) { return lssr::test::read_raster_file(path); }

// A smooth but textured Int16 6-band reflectance scene (scale 1e-4, nodata -9999).
void write_scene(const std::string& path, int width, int height, const std::function<bool(int, int)>& hole = {}) {
    RasterSpec spec;
    spec.grid = lssr::test::utm_grid(width, height, 30.0, 500010.0, 4600020.0);
    spec.bands = 6;
    spec.type = GDT_Int16;
    spec.nodata = -9999.0;
    spec.descriptions = {"blue", "green", "red", "nir", "swir1", "swir2"};
    spec.scalings.assign(6, BandScaling{1e-4, 0.0, -9999.0});
    RasterBlock block(6, width, height);
    for (int b = 0; b < 6; ++b)
        for (int r = 0; r < height; ++r)
            for (int c = 0; c < width; ++c)
                block.at(b, r, c) = hole && hole(r, c)
                    ? -9999.0f
                    : static_cast<float>(std::round(1500 + 400 * b + 900 * std::sin(0.21 * c + 0.5 * b) *
                                                                       std::cos(0.17 * r) + 7 * ((r * 31 + c * 17) % 11)));
    write_raster(path, spec, block, OutputOptions{});
}

}  // namespace

TEST_CASE("lssr-upscale reproduces the plain one-step reference output of sd-tiny", "[sr][upscale][cli]") {
    TempDir tmp;
    const auto out = tmp.file("sr.tif");
    const auto r = run_tool("lssr-upscale", with(base_args(), {data_path("sd-tiny/lr.tif"), "-o", out, "--consistency", "none"}));
    REQUIRE(r.exit_code == 0);
    INFO(r.err);
    auto got = load(out);
    const auto want = load(data_path("sd-tiny/expected_sr.tif"));
    REQUIRE(same_grid(got.grid, want.grid));
    CHECK(got.type == want.type);
    REQUIRE(got.values.data.size() == want.values.data.size());
    size_t within = 0;
    double max_diff = 0;
    for (size_t i = 0; i < got.values.data.size(); ++i) {
        const double d = std::abs(double(got.values.data[i]) - want.values.data[i]);
        within += d <= 1.0;
        max_diff = std::max(max_diff, d);
    }
    const double fraction = double(within) / got.values.data.size();
    INFO("fraction within 1 DN " << fraction << ", max diff " << max_diff);
    CHECK(fraction >= 0.999);
    CHECK(got.descriptions == std::vector<std::string>{"blue", "green", "red", "nir", "swir1", "swir2"});
    CHECK(got.metadata.count("LSSR_MODEL_SHA256") == 1);
    CHECK(got.metadata["LSSR_TIMESTEP"] == "1");
    CHECK(got.metadata["LSSR_CONSISTENCY"] == "none");
}

TEST_CASE("lssr-upscale keeps the origin, divides the pixel by 3 and triples any scene size",
          "[sr][upscale][cli]") {
    TempDir tmp;
    const auto in = tmp.file("odd.tif");
    write_scene(in, 70, 45);
    const auto out = tmp.file("odd_sr.tif");
    const auto r = run_tool("lssr-upscale", with(base_args(), {in, "-o", out, "--tile", "32", "--overlap", "8"}));
    REQUIRE(r.exit_code == 0);
    auto got = load(out);
    const auto src = load(in);
    CHECK(got.grid.width == 210);
    CHECK(got.grid.height == 135);
    CHECK(got.grid.origin_x() == Approx(src.grid.origin_x()));
    CHECK(got.grid.origin_y() == Approx(src.grid.origin_y()));
    CHECK(got.grid.pixel_width() == Approx(10.0));
    CHECK(got.grid.pixel_height() == Approx(10.0));
    CHECK(same_crs(got.grid.crs_wkt, src.grid.crs_wkt));
    CHECK(got.grid.bounds().max_x == Approx(src.grid.bounds().max_x));
    CHECK(got.grid.bounds().min_y == Approx(src.grid.bounds().min_y));
    CHECK(got.type == GDT_Int16);
}

TEST_CASE("lssr-upscale leaves a nodata hole nodata and nothing else", "[sr][upscale][cli]") {
    TempDir tmp;
    const auto in = tmp.file("hole.tif");
    auto hole = [](int r, int c) { return r >= 10 && r < 20 && c >= 30 && c < 45; };
    write_scene(in, 60, 40, hole);
    const auto out = tmp.file("hole_sr.tif");
    REQUIRE(run_tool("lssr-upscale", with(base_args(), {in, "-o", out, "--tile", "32", "--overlap", "8"})).exit_code == 0);
    auto got = load(out);
    REQUIRE(got.has_nodata);
    size_t wrong = 0;
    for (int b = 0; b < 6; ++b)
        for (int r = 0; r < got.grid.height; ++r)
            for (int c = 0; c < got.grid.width; ++c) {
                const bool is_nodata = got.values.at(b, r, c) == got.nodata;
                wrong += is_nodata != hole(r / 3, c / 3);
            }
    CHECK(wrong == 0);
}

TEST_CASE("lssr-upscale on an HLS granule turns Fmask cloud and shadow into nodata", "[sr][upscale][cli][hls]") {
    TempDir tmp;
    const std::string id = "HLS.L30.T15TVG.2021179T165432.v2.0";
    const int w = 24, h = 20;
    const auto grid = lssr::test::utm_grid(w, h, 30.0, 500010.0, 4600020.0);
    const std::vector<std::string> bands{"B02", "B03", "B04", "B05", "B06", "B07"};
    for (size_t b = 0; b < bands.size(); ++b) {
        RasterSpec spec;
        spec.grid = grid;
        spec.type = GDT_Int16;
        spec.nodata = -9999.0;
        spec.scalings = {BandScaling{1e-4, 0.0, -9999.0}};
        RasterBlock block(1, w, h);
        for (int r = 0; r < h; ++r)
            for (int c = 0; c < w; ++c) block.at(0, r, c) = float(1000 + 300 * b + 20 * r + 10 * c);
        write_raster(tmp.file(id + "." + bands[b] + ".tif"), spec, block, OutputOptions{});
    }
    // Fmask: cloud in the top-left quarter, water (not bad) elsewhere in row 15.
    auto bad = [](int r, int c) { return r < 5 && c < 6; };
    lssr::test::write_test_raster(tmp.file(id + ".Fmask.tif"), grid, 1, GDT_Byte,
                                  [&](int, int r, int c) { return bad(r, c) ? 2 : (r == 15 ? 32 : 0); }, 255.0);
    const auto out = tmp.file("granule_sr.tif");
    const auto r = run_tool("lssr-upscale", with(base_args(), {tmp.file(id + ".B04.tif"), "-o", out}));
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    auto got = load(out);
    CHECK(got.grid.width == 3 * w);
    size_t wrong = 0;
    for (int rr = 0; rr < got.grid.height; ++rr)
        for (int c = 0; c < got.grid.width; ++c) wrong += (got.values.at(0, rr, c) == got.nodata) != bad(rr / 3, c / 3);
    CHECK(wrong == 0);
    CHECK(got.metadata["LSSR_SOURCE"] == id);
    CHECK(got.metadata["LSSR_MONTH"] == "6");
}

TEST_CASE("lssr-upscale gives identical outputs on two runs and blends tiles without seams",
          "[sr][upscale][cli][seams]") {
    TempDir tmp;
    const auto in = tmp.file("big.tif");
    const int W = 100, H = 76, tile = 32, overlap = 8;
    write_scene(in, W, H);
    const auto a = tmp.file("a.tif"), b = tmp.file("b.tif");
    const auto args = std::vector<std::string>{"--tile", std::to_string(tile), "--overlap", std::to_string(overlap)};
    REQUIRE(run_tool("lssr-upscale", with(with(base_args(), {in, "-o", a}), args)).exit_code == 0);
    REQUIRE(run_tool("lssr-upscale", with(with(base_args(), {in, "-o", b, "--batch", "1"}), args)).exit_code == 0);
    const auto ra = load(a), rb = load(b);
    REQUIRE(ra.values.data.size() == rb.values.data.size());
    double max_diff = 0;
    for (size_t i = 0; i < ra.values.data.size(); ++i)
        max_diff = std::max(max_diff, double(std::abs(ra.values.data[i] - rb.values.data[i])));
    CHECK(max_diff <= 1.0);  // batching may change float summation order, never more than rounding
    const auto c = tmp.file("c.tif");
    REQUIRE(run_tool("lssr-upscale", with(with(base_args(), {in, "-o", c}), args)).exit_code == 0);
    CHECK(load(c).values.data == ra.values.data);

    // Seams: differences between neighbouring pixels across the output
    // positions of tile edges (where unblended tiles would jump) vs inside the
    // tiles' own parts (outside overlaps, where one tile alone contributes).
    // The tiles' output windows are those of the plan lssr-upscale runs.
    const TilePlan plan = plan_tiles(W, H, tile, overlap, 3);
    REQUIRE(ra.grid.width == plan.output_width);
    REQUIRE(ra.grid.height == plan.output_height);
    struct Axis {
        std::set<int> edges, blended;
    };
    // `span(i)`: the output [start, end) of the i-th of n tiles along an axis.
    auto axis = [](int n, const std::function<std::pair<int, int>(int)>& span) {
        Axis out;
        for (int i = 0; i < n; ++i) {
            const auto [start, end] = span(i);
            if (i > 0) out.edges.insert(start);
            if (i + 1 < n) out.edges.insert(end);
            if (i > 0)
                for (int k = start; k <= span(i - 1).second; ++k) out.blended.insert(k);
        }
        return out;
    };
    const auto cols = axis(plan.columns(), [&](int i) {
        const Window w = plan.at(0, i).output;
        return std::make_pair(w.col, w.col + w.width);
    });
    const auto rows = axis(plan.rows(), [&](int i) {
        const Window w = plan.at(i, 0).output;
        return std::make_pair(w.row, w.row + w.height);
    });
    REQUIRE(cols.edges.size() == static_cast<size_t>(2 * (plan.columns() - 1)));
    REQUIRE(rows.edges.size() == static_cast<size_t>(2 * (plan.rows() - 1)));
    double seam_sum = 0, inner_sum = 0;
    size_t seam_n = 0, inner_n = 0;
    auto add = [&](const Axis& ax, int pos, double d) {
        if (ax.edges.count(pos)) seam_sum += d, ++seam_n;
        else if (!ax.blended.count(pos)) inner_sum += d, ++inner_n;
    };
    for (int band = 0; band < 6; ++band)
        for (int r = 0; r < ra.grid.height; ++r)
            for (int col = 0; col < ra.grid.width; ++col) {
                if (col > 0) add(cols, col, std::abs(ra.values.at(band, r, col) - ra.values.at(band, r, col - 1)));
                if (r > 0) add(rows, r, std::abs(ra.values.at(band, r, col) - ra.values.at(band, r - 1, col)));
            }
    REQUIRE(seam_n > 0);
    const double ratio = (seam_sum / seam_n) / (inner_sum / inner_n);
    INFO("seam ratio " << ratio);
    CHECK(ratio <= 1.05);
}

TEST_CASE("lssr-upscale refuses an existing output unless --overwrite", "[sr][upscale][cli]") {
    TempDir tmp;
    const auto out = tmp.file("sr.tif");
    { std::ofstream(out) << "keep"; }
    const auto r = run_tool("lssr-upscale", with(base_args(), {data_path("sd-tiny/lr.tif"), "-o", out}));
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("already exists") != std::string::npos);
    std::ifstream in(out);
    std::string text;
    in >> text;
    CHECK(text == "keep");
    CHECK(run_tool("lssr-upscale", with(base_args(), {data_path("sd-tiny/lr.tif"), "-o", out, "--overwrite"})).exit_code == 0);
}

TEST_CASE("lssr-upscale fails with one line on a truncated weights file", "[sr][upscale][cli]") {
    TempDir tmp;
    const auto base = tmp.path() / "base";
    fs::copy(data_path("sd-tiny/base"), base, fs::copy_options::recursive);
    const auto weights = base / "unet" / "diffusion_pytorch_model.safetensors";
    fs::resize_file(weights, fs::file_size(weights) / 2);
    const auto r = run_tool("lssr-upscale", {"--base-model", base.string(), data_path("sd-tiny/lr.tif"), "-o",
                                             tmp.file("sr.tif"), "-q"});
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("lssr-upscale: error: ") == 0);
    CHECK(r.err.find("diffusion_pytorch_model.safetensors") != std::string::npos);
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
    CHECK_FALSE(fs::exists(tmp.file("sr.tif")));
}

TEST_CASE("lssr-upscale usage errors exit 2", "[sr][upscale][cli]") {
    TempDir tmp;
    const auto lr = data_path("sd-tiny/lr.tif");
    CHECK(run_tool("lssr-upscale", with(base_args(), {lr, "-o", tmp.file("a.tif"), "--tile", "16", "--overlap", "16"})).exit_code == 2);
    CHECK(run_tool("lssr-upscale", with(base_args(), {lr, "-o", tmp.file("a.tif"), "--shard", "3/3"})).exit_code == 2);
    CHECK(run_tool("lssr-upscale", with(base_args(), {lr, "-o", tmp.file("a.tif"), "--device", "tpu"})).exit_code == 2);
    CHECK(run_tool("lssr-upscale", with(base_args(), {lr, "-o", tmp.file("a.tif"), "--self-ensemble", "3"})).exit_code == 2);
}

TEST_CASE("lssr-upscale --self-ensemble writes another output and records it", "[sr][upscale][cli]") {
    TempDir tmp;
    const auto lr = data_path("sd-tiny/lr.tif");
    const auto plain = run_tool("lssr-upscale", {lr, "-o", tmp.file("one.tif"), "-q", "--threads", "2"});
    const auto four =
        run_tool("lssr-upscale", {lr, "-o", tmp.file("four.tif"), "-q", "--threads", "2", "--self-ensemble", "4"});
    INFO(plain.err << four.err);
    REQUIRE(plain.exit_code == 0);
    REQUIRE(four.exit_code == 0);
    const auto one = load(tmp.file("one.tif")), ensemble = load(tmp.file("four.tif"));
    CHECK(one.metadata.count("LSSR_SELF_ENSEMBLE") == 0);
    CHECK(ensemble.metadata.at("LSSR_SELF_ENSEMBLE") == "4");
    REQUIRE(one.values.data.size() == ensemble.values.data.size());
    CHECK(one.values.data != ensemble.values.data);
}

TEST_CASE("lssr-upscale without a model runs the embedded default model", "[sr][upscale][cli]") {
    TempDir tmp;
    const auto lr = data_path("sd-tiny/lr.tif");
    const auto r = run_tool("lssr-upscale", {lr, "-o", tmp.file("sr.tif"), "-q", "--threads", "2"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    const auto in = load(lr), out = load(tmp.file("sr.tif"));
    CHECK(out.grid.width == in.grid.width * 3);
    CHECK(out.grid.height == in.grid.height * 3);
    CHECK(out.metadata.at("LSSR_MODEL").find("default.safetensors") != std::string::npos);
}

TEST_CASE("lssr-upscale batch mode: -O, --skip-existing, --shard and the Slurm array variables",
          "[sr][upscale][cli][batch]") {
    TempDir tmp;
    std::vector<std::string> inputs;
    for (int i = 0; i < 3; ++i) {
        inputs.push_back(tmp.file("scene" + std::to_string(i) + ".tif"));
        write_scene(inputs.back(), 12, 10);
    }
    const auto out = tmp.file("sr");
    // Shard 1 of 2 takes the second input only.
    auto r = run_tool("lssr-upscale", with(with(base_args(), inputs), {"-O", out, "--shard", "1/2"}));
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(lssr::test::list_files(out) == std::vector<std::string>{"scene1_SR.tif"});
    // Slurm: task 0 of 2 takes the first and third.
    setenv("SLURM_ARRAY_TASK_ID", "0", 1);
    setenv("SLURM_ARRAY_TASK_COUNT", "2", 1);
    r = run_tool("lssr-upscale", with(with(base_args(), inputs), {"-O", out}));
    unsetenv("SLURM_ARRAY_TASK_ID");
    unsetenv("SLURM_ARRAY_TASK_COUNT");
    REQUIRE(r.exit_code == 0);
    CHECK(lssr::test::list_files(out) ==
          std::vector<std::string>{"scene0_SR.tif", "scene1_SR.tif", "scene2_SR.tif"});
    // Existing outputs: refused without --skip-existing, left alone with it.
    const auto before = fs::last_write_time(fs::path(out) / "scene0_SR.tif");
    CHECK(run_tool("lssr-upscale", with(with(base_args(), inputs), {"-O", out})).exit_code == 1);
    CHECK(run_tool("lssr-upscale", with(with(base_args(), inputs), {"-O", out, "--skip-existing"})).exit_code == 0);
    CHECK(fs::last_write_time(fs::path(out) / "scene0_SR.tif") == before);
}

TEST_CASE("lssr-upscale -ot Float32 stores reflectance and -of COG writes a COG", "[sr][upscale][cli]") {
    TempDir tmp;
    const auto in = tmp.file("small.tif");
    write_scene(in, 14, 11);
    const auto dn = tmp.file("dn.tif"), refl = tmp.file("refl.tif");
    REQUIRE(run_tool("lssr-upscale", with(base_args(), {in, "-o", dn, "-of", "COG"})).exit_code == 0);
    REQUIRE(run_tool("lssr-upscale", with(base_args(), {in, "-o", refl, "-ot", "Float32"})).exit_code == 0);
    const auto a = load(dn), b = load(refl);
    CHECK(a.type == GDT_Int16);
    CHECK(b.type == GDT_Float32);
    for (size_t i = 0; i < a.values.data.size(); i += 97)
        CHECK(b.values.data[i] * 10000.0 == Approx(a.values.data[i]).margin(0.51));
    auto ds = open_raster(dn);
    CHECK(std::string(ds->GetMetadataItem("LAYOUT", "IMAGE_STRUCTURE") ? ds->GetMetadataItem("LAYOUT", "IMAGE_STRUCTURE") : "") == "COG");
}

TEST_CASE("lssr-upscale --device cuda without CUDA fails with one line", "[sr][upscale][cli]") {
    TempDir tmp;
    const auto r = run_tool("lssr-upscale", with(base_args(), {data_path("sd-tiny/lr.tif"), "-o", tmp.file("a.tif"), "--device", "cuda:0"}));
    if (torch::cuda::is_available()) {
        CHECK(r.exit_code == 0);  // cuda:0 exists: the run must work there
        return;
    }
    CHECK(r.exit_code == 1);
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
    CHECK(r.err.find("CUDA is not available") != std::string::npos);
}
