// upscale_scene with a stand-in model: blending hides per-tile disagreement,
// results do not depend on how tiles are batched, every output pixel is
// written, and the x3 grid is exact.
#include <catch2/catch.hpp>

#include <gdal_priv.h>

#include <cmath>
#include <filesystem>

#include "libio/gdal/gdal_dataset.hpp"
#include "libio/gdal/raster.hpp"
#include "libupscale/lr_scene.hpp"
#include "libupscale/scene_upscale.hpp"
#include "support.hpp"

using namespace lssr;
using namespace lssr::io;
using lssr::test::TempDir;

namespace {

// Nearest-neighbour x3 plus an offset that differs from tile to tile (as two
// networks seeing different context disagree), in reflectance.
class OffsetModel : public sr::TileModel {
public:
    int calls = 0;
    std::vector<RasterBlock> upscale(const std::vector<sr::TileInput>& tiles) override {
        ++calls;
        std::vector<RasterBlock> out;
        for (const auto& t : tiles) {
            const float offset = ((t.window.col / 7 + t.window.row / 5) % 2) * 0.02f;
            RasterBlock b(6, t.lr.width * 3, t.lr.height * 3);
            for (int band = 0; band < 6; ++band)
                for (int r = 0; r < b.height; ++r)
                    for (int c = 0; c < b.width; ++c) b.at(band, r, c) = t.lr.at(band, r / 3, c / 3) + offset;
            out.push_back(std::move(b));
        }
        return out;
    }
};

// A 6-band HLS-like Int16 scene (scale 1e-4, nodata -9999) of `values` on a UTM grid.
sr::LrScene write_scene(const std::string& path, const RasterBlock& values) {
    RasterSpec spec;
    spec.grid = lssr::test::utm_grid(values.width, values.height, 30.0);
    spec.bands = 6;
    spec.type = GDT_Int16;
    spec.nodata = -9999.0;
    spec.scalings.assign(6, BandScaling{1e-4, 0.0, -9999.0});
    write_raster(path, spec, values, OutputOptions{});
    std::vector<std::string> warnings;
    return sr::resolve_lr_scene(path, warnings);
}

RasterBlock read_all(const std::string& path) {
    auto ds = open_raster(path);
    return read_block(*ds, {1, 2, 3, 4, 5, 6}, Window{0, 0, ds->GetRasterXSize(), ds->GetRasterYSize()}, path);
}

}  // namespace

TEST_CASE("upscale_scene blends tile disagreements smoothly and independently of batching", "[sr][upscale][blend]") {
    TempDir tmp;
    const auto scene = write_scene(tmp.file("flat.tif"), RasterBlock(6, 53, 41, 1000.0f));

    std::vector<RasterBlock> results;
    for (int batch : {1, 3, 100}) {
        OffsetModel model;
        sr::UpscaleOptions options;
        options.tile = 16;
        options.overlap = 6;
        options.batch = batch;
        options.output = tmp.file("out" + std::to_string(batch) + ".tif");
        options.strip_bytes = 20000;  // many small strips
        options.consistency = sr::Consistency::None;  // the blend alone (the projection would remove the offsets)
        const auto stats = sr::upscale_scene(scene, model, options);
        CHECK(stats.grid.width == 159);
        CHECK(stats.grid.height == 123);
        CHECK(stats.tiles_empty == 0);
        results.push_back(read_all(options.output));
    }
    CHECK(results[0].data == results[1].data);
    CHECK(results[0].data == results[2].data);

    // Offsets of 200 DN between neighbouring tiles: unblended they would jump
    // by 200; blended over 18 output pixels the steepest step stays small.
    const auto& out = results[0];
    double max_step = 0, lo = 1e9, hi = -1e9;
    for (int r = 0; r < out.height; ++r)
        for (int c = 0; c < out.width; ++c) {
            const double v = out.at(0, r, c);
            lo = std::min(lo, v), hi = std::max(hi, v);
            if (c > 0) max_step = std::max(max_step, std::abs(v - out.at(0, r, c - 1)));
            if (r > 0) max_step = std::max(max_step, std::abs(v - out.at(0, r - 1, c)));
        }
    CHECK(lo >= 1000.0);
    CHECK(hi <= 1200.0);
    CHECK(hi > 1100.0);  // the offsets are there
    CHECK(max_step <= 200.0 * M_PI / 2 / 18 + 2);
}

TEST_CASE("upscale_scene in vertical stripes writes what one stripe does", "[sr][upscale][stripes]") {
    TempDir tmp;
    RasterBlock values(6, 97, 37);
    for (int b = 0; b < 6; ++b)
        for (int r = 0; r < 37; ++r)
            for (int c = 0; c < 97; ++c)
                values.at(b, r, c) = 1000.0f + 300.0f * std::sin(0.7 * c + 0.3 * b) * std::cos(0.45 * r);
    for (int r = 10; r < 20; ++r)
        for (int c = 40; c < 47; ++c) values.at(2, r, c) = -9999.0f;  // nodata across a stripe edge
    const auto scene = write_scene(tmp.file("texture.tif"), values);

    for (auto consistency : {sr::Consistency::None, sr::Consistency::Exact}) {
        INFO("consistency " << sr::to_string(consistency));
        std::vector<RasterBlock> results;
        std::vector<sr::UpscaleStats> stats;
        for (int stripe_width : {0, 20, 1}) {
            OffsetModel model;
            sr::UpscaleOptions options;
            options.tile = 16;
            options.overlap = 6;
            options.stripe_width = stripe_width;
            options.data_type = "Float32";
            options.consistency = consistency;
            options.output = tmp.file("out_" + sr::to_string(consistency) + std::to_string(stripe_width) + ".tif");
            stats.push_back(sr::upscale_scene(scene, model, options));
            results.push_back(read_all(options.output));
        }
        CHECK(stats[0].stripes == 1);
        CHECK(stats[1].stripes == 5);
        CHECK(stats[2].stripes == stats[2].tiles / 4);  // one tile column each (4 tile rows)
        CHECK(stats[0].tiles_upscaled == stats[0].tiles);
        // Tiles shared by two stripes are run once, not once per stripe.
        CHECK(stats[1].tiles_upscaled == stats[1].tiles);
        CHECK(stats[2].tiles_upscaled == stats[2].tiles);
        for (size_t k = 1; k < results.size(); ++k) {
            REQUIRE(results[k].data.size() == results[0].data.size());
            size_t nan_mismatch = 0;
            double worst = 0;
            for (size_t i = 0; i < results[0].data.size(); ++i) {
                const float a = results[0].data[i], b = results[k].data[i];
                if (std::isnan(a) || std::isnan(b)) {
                    nan_mismatch += std::isnan(a) != std::isnan(b);
                    continue;
                }
                worst = std::max(worst, static_cast<double>(std::abs(a - b)));
            }
            CHECK(nan_mismatch == 0);
            if (consistency == sr::Consistency::None) CHECK(worst == 0);
            else CHECK(worst < 2e-5);  // reflectance; the projection's correction is ~1e-2 here
        }
    }
    // The stripe-edge tiles' spill files are gone with the run.
    for (const auto& entry : std::filesystem::directory_iterator(tmp.path()))
        CHECK(entry.path().filename().string().rfind(".lssr-stripe-edge", 0) == std::string::npos);
}
