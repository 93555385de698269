#include "libupscale/scene_upscale.hpp"

#include <cpl_conv.h>
#include <gdal_priv.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <limits>
#include <memory>

#include "libio/tiling/tile_plan.hpp"
#include "libio/core/errors.hpp"
#include "libio/gdal/finite_values.hpp"
#include "libio/products/products.hpp"
#include "libio/core/text.hpp"
#include "libupscale/output_encoding.hpp"
#include "libupscale/stripes.hpp"
#include "libupscale/tile_spill.hpp"

namespace lssr::sr {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
    return std::chrono::duration<double>(Clock::now() - t0).count();
}

// Missing pixels (NaN, and any value that is not finite: libio/gdal/finite_values.hpp)
// get the band's mean over the tile's valid pixels, so the networks see only
// finite numbers; they are masked out of the output again. False when the tile
// has no valid pixel at all.
bool fill_holes(io::RasterBlock& block) {
    bool any_valid = false;
    for (int b = 0; b < block.bands; ++b) {
        float* v = block.band(b);
        double sum = 0;
        size_t n = 0;
        for (size_t i = 0; i < block.plane(); ++i)
            if (std::isfinite(v[i])) sum += v[i], ++n;
        if (n > 0) any_valid = true;
        const float fill = n > 0 ? static_cast<float>(sum / n) : 0.0f;
        for (size_t i = 0; i < block.plane(); ++i)
            if (!std::isfinite(v[i])) v[i] = fill;
    }
    return any_valid;
}

struct DoneTile {
    io::RasterBlock hr;      // NaN block when the tile was empty
    io::PlannedTile tile;    // its windows and weights
};

constexpr double kGiB = 1024.0 * 1024.0 * 1024.0;

// Output rows (and columns) of halo blended around each strip (and stripe)
// for the consistency projection: the projection's response to a change
// decays by ~0.15 (at worst ~0.29, near nodata) per input row, so solving on
// the strip plus kHaloInputRows input rows each side leaves the strip's
// result independent of where strips are cut, to ~1e-6 of the correction.
constexpr int kHaloInputRows = 10;
int projection_halo(Consistency consistency) {
    return consistency == Consistency::Exact ? kHaloInputRows * kScaleFactor : 0;
}

// Output rows of one blending strip over `width` output columns: as many
// as `strip_bytes` of accumulator hold, a multiple of kScaleFactor, at least one.
int blend_strip_rows(long long strip_bytes, int width) {
    const long long row_bytes = std::max<long long>(1, static_cast<long long>(io::BlendAccumulator::bytes_per_pixel(6)) * width);
    return static_cast<int>(std::max<long long>(kScaleFactor, strip_bytes / row_bytes / kScaleFactor * kScaleFactor));
}

std::string size_text(double bytes) {
    const double tib = bytes / (1024.0 * kGiB);
    char text[32];
    if (tib >= 1) std::snprintf(text, sizeof text, "%.1f TiB", tib);
    else std::snprintf(text, sizeof text, "%.1f GiB", bytes / kGiB);
    return text;
}

// Peak working memory of a run in bytes: a margin of one window per tile
// (the tile list this estimate was made for), and for the widest stripe one LR
// strip (six bands, one band being read and the mask), two rows of upscaled
// tiles with their weights (a tile row is kept until the next one is blended
// over it) and one blending strip (the accumulator, result and encoded copy).
double working_bytes(const io::TilePlan& plan, const std::vector<Stripe>& stripes, const UpscaleOptions& o) {
    int widest = 0, widest_tiles = 0;  // the widest stripe, in LR pixels and tile columns
    for (const Stripe& s : stripes) {
        widest = std::max(widest, s.input_width);
        widest_tiles = std::max(widest_tiles, s.end_tile_col - s.first_tile_col);
    }
    const double w = widest;
    const double tw = plan.tile_width(), th = plan.tile_height();
    const double columns = widest_tiles, rows = plan.rows();
    const double lr_strip = (6 + 1 + 1) * sizeof(float) * w * th;
    const double hr_tile = 6.0 * kScaleFactor * tw * kScaleFactor * th * sizeof(float) + kScaleFactor * (tw + th) * sizeof(float);
    const double hr_width = kScaleFactor * w;
    const double strip_rows = blend_strip_rows(o.strip_bytes, kScaleFactor * widest);
    const double blend_strip = strip_rows * hr_width * (io::BlendAccumulator::bytes_per_pixel(6) + 6 * 2 * sizeof(float));
    return plan.columns() * rows * sizeof(io::Window) + lr_strip + 2 * columns * hr_tile + blend_strip;
}

// True when the creation options ask GTiff to compress (the file is then
// smaller than its pixels, by an unknown factor).
bool compressed(const io::OutputOptions& out) {
    if (out.format != "GTiff") return false;  // COG and the like are built from an uncompressed GTiff
    for (const auto& option : out.creation_options) {
        const auto upper = io::ascii_upper(option);
        if (upper.rfind("COMPRESS=", 0) == 0 && upper != "COMPRESS=NONE") return true;
    }
    return false;
}

std::string scene_size(const io::Grid& g) { return std::to_string(g.width) + " x " + std::to_string(g.height); }
std::string output_size(const io::Grid& g) {
    return std::to_string(static_cast<long long>(g.width) * kScaleFactor) + " x " +
           std::to_string(static_cast<long long>(g.height) * kScaleFactor);
}

// Refuses a scene whose output grid has more pixels per side than GDAL allows
// (checked before the scene is planned).
void check_output_grid(const LrScene& scene) {
    const auto& g = scene.grid;
    const long long hr_w = static_cast<long long>(g.width) * kScaleFactor, hr_h = static_cast<long long>(g.height) * kScaleFactor;
    if (hr_w > std::numeric_limits<int>::max() || hr_h > std::numeric_limits<int>::max())
        throw InputError(scene.label + ": a " + scene_size(g) + " scene gives a " + output_size(g) +
                         " output, more pixels per side than GDAL rasters can have; cut it into parts "
                         "(gdal_translate -srcwin) or use lssr-tile --scene");
}

// Refuses, before any long work, a scene whose working buffers or
// uncompressed output cannot fit this machine (a 10^6 x 10^6 VRT would
// otherwise run out of memory or disk after minutes).
void check_scene_fits(const LrScene& scene, const io::TilePlan& plan, const std::vector<Stripe>& stripes,
                      const UpscaleOptions& options) {
    const auto& g = scene.grid;
    const std::string size = scene_size(g), hr_size = output_size(g);
    const long long hr_w = static_cast<long long>(g.width) * kScaleFactor, hr_h = static_cast<long long>(g.height) * kScaleFactor;
    const double memory = working_bytes(plan, stripes, options);
    const double ram = static_cast<double>(CPLGetUsablePhysicalRAM());
    if (ram > 0 && memory > ram)
        throw InputError(scene.label + ": a " + size + " scene (" + hr_size + " output) needs about " +
                         size_text(memory) + " of memory for one row of " + std::to_string(options.tile) +
                         "-pixel tiles, more than the " + size_text(ram) +
                         " this machine has; cut it into parts (gdal_translate -srcwin) or use lssr-tile --scene");
    const auto encoding = output_encoding(scene.type, scene.scalings, options.data_type);
    const double file = static_cast<double>(hr_w) * hr_h * 6 * GDALGetDataTypeSizeBytes(encoding.type);
    std::error_code ec;
    const auto dir = std::filesystem::absolute(options.output, ec).parent_path();
    const auto space = std::filesystem::space(dir, ec);
    // Run in stripes, the output is built in an uncompressed work file first.
    const bool windowed = stripes.size() > 1;
    const bool packed = compressed(options.output_options);
    // Two spill files of stripe-edge tiles live at once (libupscale/tile_spill.hpp).
    int shared_columns = 0;
    for (size_t i = 0; i + 1 < stripes.size(); ++i)
        shared_columns = std::max(shared_columns, stripes[i].end_tile_col - stripes[i + 1].first_tile_col);
    const double hr_tile_bytes = 6.0 * kScaleFactor * plan.tile_width() * kScaleFactor * plan.tile_height() * sizeof(float);
    const double spills = 2.0 * shared_columns * plan.rows() * hr_tile_bytes;
    const double needed = (windowed ? file * (packed ? 1 : 2) : (packed ? 0 : file)) + spills;
    if (!ec && needed > static_cast<double>(space.available))
        throw InputError(scene.label + ": its " + hr_size + " output (6 bands " +
                         GDALGetDataTypeName(encoding.type) + ") needs " + size_text(needed) +
                         (windowed ? " with its uncompressed work file" : " uncompressed") + ", more than the " +
                         size_text(static_cast<double>(space.available)) + " free in " + dir.string() +
                         "; cut the scene into parts" + (packed ? "" : " or compress (-co COMPRESS=DEFLATE)"));
}

class Upscaler {
public:
    Upscaler(const LrScene& scene, TileModel& model, const io::TilePlan& plan, const std::vector<Stripe>& stripes,
             const UpscaleOptions& options, const Progress& progress)
        : scene_(scene), model_(model), options_(options), progress_(progress), reader_(scene, options.fmask),
          plan_(plan), stripes_(stripes), hr_grid_(scene.grid.refined(kScaleFactor)),
          encoding_(output_encoding(scene.type, scene.scalings, options.data_type)) {}

    UpscaleStats run() {
        const auto t0 = Clock::now();
        io::RasterSpec spec;
        spec.grid = hr_grid_;
        spec.bands = 6;
        spec.type = encoding_.type;
        spec.nodata = encoding_.nodata;
        spec.scalings = encoding_.scalings;
        for (const auto& r : io::reflectance_role_names()) spec.descriptions.push_back(r);
        spec.metadata = options_.metadata;
        spec.metadata["LSSR_CONSISTENCY"] = to_string(options_.consistency);
        io::OutputOptions output_options = options_.output_options;
        output_options.windowed = stripes_.size() > 1;
        io::RasterWriter writer(options_.output, spec, output_options);

        stats_.grid = hr_grid_;
        stats_.encoding_note = encoding_.note;
        stats_.tiles = static_cast<int>(plan_.size());
        tiles_to_do_ = plan_.size();
        stats_.stripes = static_cast<int>(stripes_.size());
        const auto directory = std::filesystem::absolute(options_.output).parent_path().string();
        for (size_t i = 0; i < stripes_.size(); ++i) {
            // The tiles this stripe shares with the next go to a spill file for it.
            spill_in_ = std::move(spill_out_);
            spill_out_.reset();
            shared_from_col_ = plan_.columns();
            if (i + 1 < stripes_.size()) {
                spill_out_ = std::make_unique<TileSpill>(directory);
                shared_from_col_ = stripes_[i + 1].first_tile_col;
            }
            run_stripe(stripes_[i], writer);
        }
        spill_in_.reset();
        {
            StageTimer timer(options_.profile, "write");
            writer.finish(scaled(progress_, 0.98, 1.0));
        }
        stats_.total_seconds = seconds_since(t0);
        return stats_;
    }

private:
    template <class Work>
    auto timed(const char* stage, Work&& work) {
        StageTimer timer(options_.profile, stage);
        return work();
    }

    // One stripe, top to bottom: its tile rows are upscaled, blended and written
    // as soon as no later tile row reaches them.
    void run_stripe(const Stripe& stripe, io::RasterWriter& writer) {
        stripe_ = stripe;
        cache_.clear();
        int written_rows = 0;
        for (int row = 0; row < plan_.rows(); ++row) {
            process_tile_row(row);
            const bool last = row + 1 == plan_.rows();
            // Output rows above the next tile row's start receive nothing more.
            const int done = last ? hr_grid_.height : plan_.at(row + 1, 0).output.row;
            // The projection of a strip reads halo() rows below it: those must be final too.
            const int ready = last ? done : done - halo();
            if (ready > written_rows) {
                write_rows(writer, written_rows, ready);
                written_rows = ready;
            }
            // Tiles ending above the written rows and their upper halo are no longer needed.
            while (!cache_.empty() &&
                   cache_.front().tile.output.row + cache_.front().tile.output.height <= written_rows - halo())
                cache_.pop_front();
        }
    }

    void process_tile_row(int row) {
        const io::Window strip{stripe_.input_col, plan_.row_offset(row), stripe_.input_width, plan_.tile_height()};
        const auto lr = timed("read", [&] { return reader_.read(strip); });
        const io::Window hr_strip{strip.col * kScaleFactor, strip.row * kScaleFactor, strip.width * kScaleFactor,
                                  strip.height * kScaleFactor};
        model_.begin_region(hr_strip, hr_grid_.window(hr_strip));
        const int batch_size = std::max(options_.batch, model_.parallel_tiles());
        std::vector<TileInput> batch;
        std::vector<io::PlannedTile> batch_tiles;
        std::vector<int> batch_cols;
        auto flush = [&]() {
            if (batch.empty()) return;
            const auto t0 = Clock::now();
            auto out = timed("model", [&] { return model_.upscale(batch); });
            stats_.model_seconds += seconds_since(t0);
            if (out.size() != batch.size()) throw Error("model returned a wrong number of tiles");
            for (size_t i = 0; i < out.size(); ++i) {
                check_finite(out[i], batch_tiles[i].input);
                add_done(std::move(out[i]), batch_tiles[i], row, batch_cols[i], false);
            }
            batch.clear();
            batch_tiles.clear();
            batch_cols.clear();
        };
        for (int col = stripe_.first_tile_col; col < stripe_.end_tile_col; ++col) {
            const io::PlannedTile tile = plan_.at(row, col);
            const bool owned = col >= stripe_.first_owned_col && col < stripe_.end_owned_col;
            // Shared with the previous stripe, which ran it: the leftmost
            // columns, so the tiles reach the blend in the same order as before.
            if (spill_in_ && spill_in_->has(row, col)) {
                auto kept = timed("read", [&] { return spill_in_->take(row, col); });
                stats_.tiles_empty += owned && kept->empty;
                add_done(std::move(kept->block), tile, row, col, kept->empty);
                continue;
            }
            const io::Window& w = tile.input;
            auto block = io::crop(lr, io::Window{w.col - strip.col, 0, w.width, w.height});
            if (!timed("fill_holes", [&] { return fill_holes(block); })) {
                stats_.tiles_empty += owned;
                add_done(io::RasterBlock(6, tile.output.width, tile.output.height, NAN), tile, row, col, true);
            } else {
                ++stats_.tiles_upscaled;
                batch.push_back(TileInput{std::move(block), w, tile.output, hr_grid_.window(tile.output)});
                batch_tiles.push_back(tile);
                batch_cols.push_back(col);
                if (static_cast<int>(batch.size()) >= batch_size) flush();
            }
            ++tiles_done_;
            report(progress_, 0.98 * tiles_done_ / std::max<size_t>(1, tiles_to_do_), "upscaling");
        }
        flush();
    }

    // The model saw only finite reflectance (holes filled): a value that is
    // not finite in its output means broken weights (NaN/Inf in the file, a
    // LoRA alpha of 1e300), never data to write.
    void check_finite(const io::RasterBlock& hr, const io::Window& lr_window) const {
        const size_t bad = io::count_non_finite(hr);
        if (bad == 0) return;
        const auto it = options_.metadata.find("LSSR_MODEL");
        const std::string model = it != options_.metadata.end() ? it->second : std::string("the model");
        throw Error(model + ": returned " + std::to_string(bad) + " NaN or infinite value(s) for the valid tile at " +
                    "pixel " + std::to_string(lr_window.col) + "," + std::to_string(lr_window.row) + " of " +
                    scene_.label + " (corrupt or non-finite weights?)");
    }

    void add_done(io::RasterBlock hr, const io::PlannedTile& tile, int row, int col, bool empty) {
        if (hr.bands != 6 || hr.width != tile.output.width || hr.height != tile.output.height)
            throw Error("model returned a tile of the wrong size");
        if (spill_out_ && col >= shared_from_col_) {
            StageTimer timer(options_.profile, "write");
            spill_out_->put(row, col, hr, empty);
        }
        cache_.push_back(DoneTile{std::move(hr), tile});
    }

    int halo() const { return projection_halo(options_.consistency); }

    // Blends, projects, masks and writes output rows [begin, end) in strips of
    // bounded size. begin, end and the strips are multiples of kScaleFactor rows.
    // Columns are the stripe's own, blended with its halo columns beside them.
    void write_rows(io::RasterWriter& writer, int begin, int end) {
        const int c0 = stripe_.blend_col, width = stripe_.blend_width;
        const int step = blend_strip_rows(options_.strip_bytes, width);
        for (int r0 = begin; r0 < end; r0 += step) {
            const int r1 = std::min(end, r0 + step);
            const io::Window region{stripe_.output_col, r0, stripe_.output_width, r1 - r0};
            const int b0 = std::max(0, r0 - halo()), b1 = std::min(hr_grid_.height, r1 + halo());
            auto blended = timed("blend", [&] {
                io::BlendAccumulator acc(6, io::Window{c0, b0, width, b1 - b0});
                for (const auto& t : cache_)
                    if (t.tile.output.row < b1 && t.tile.output.row + t.tile.output.height > b0) acc.add(t.hr, t.tile);
                return acc.result();
            });
            if (options_.consistency == Consistency::Exact) {
                const auto lr = timed("read", [&] {
                    return reader_.read(io::Window{c0 / kScaleFactor, b0 / kScaleFactor, width / kScaleFactor,
                                                   (b1 - b0) / kScaleFactor});
                });
                StageTimer timer(options_.profile, "consistency");
                project_consistent(blended, lr, options_.threads);
            }
            auto out = io::crop(blended, io::Window{region.col - c0, r0 - b0, region.width, region.height});
            {
                StageTimer timer(options_.profile, "mask_encode");
                apply_input_mask(out, region);
                encode(out);
            }
            StageTimer timer(options_.profile, "write");
            writer.write(out, region);
        }
    }

    // An output pixel is missing when its 30 m parent is.
    void apply_input_mask(io::RasterBlock& out, const io::Window& region) {
        const int lr_r0 = region.row / kScaleFactor, lr_c0 = region.col / kScaleFactor;
        const int lr_r1 = (region.row + region.height + kScaleFactor - 1) / kScaleFactor;
        const int lr_c1 = (region.col + region.width + kScaleFactor - 1) / kScaleFactor;
        const auto lr = reader_.read(io::Window{lr_c0, lr_r0, lr_c1 - lr_c0, lr_r1 - lr_r0});
        for (int r = 0; r < region.height; ++r) {
            const int lr_row = (region.row + r) / kScaleFactor - lr_r0;
            for (int c = 0; c < region.width; ++c)
                if (std::isnan(lr.at(0, lr_row, (region.col + c) / kScaleFactor - lr_c0)))
                    for (int b = 0; b < out.bands; ++b) out.at(b, r, c) = NAN;
        }
    }

    // Reflectance -> stored values of the output (clipped short of nodata;
    // rounded by the writer).
    void encode(io::RasterBlock& out) const {
        for (int b = 0; b < out.bands; ++b) {
            float* v = out.band(b);
            for (size_t i = 0; i < out.plane(); ++i) v[i] = encoding_.encode(v[i], b);
        }
    }

    const LrScene& scene_;
    TileModel& model_;
    const UpscaleOptions& options_;
    Progress progress_;
    LrReader reader_;
    const io::TilePlan& plan_;
    const std::vector<Stripe>& stripes_;
    io::Grid hr_grid_;
    OutputEncoding encoding_;
    Stripe stripe_;  // the stripe being run
    std::deque<DoneTile> cache_;
    std::unique_ptr<TileSpill> spill_in_, spill_out_;  // tiles from the previous stripe, for the next
    int shared_from_col_ = 0;  // tile columns from here on are the next stripe's too
    UpscaleStats stats_;
    size_t tiles_done_ = 0;
    size_t tiles_to_do_ = 0;
};

}  // namespace

UpscaleStats upscale_scene(const LrScene& scene, TileModel& model, const UpscaleOptions& options,
                           const Progress& progress) {
    if (options.batch < 1) throw OptionError("--batch must be at least 1");
    check_output_grid(scene);
    const io::TilePlan plan =
        io::plan_tiles(scene.grid.width, scene.grid.height, options.tile, options.overlap, kScaleFactor);
    const auto stripes = plan_stripes(plan, options.stripe_width, projection_halo(options.consistency));
    check_scene_fits(scene, plan, stripes, options);
    return Upscaler(scene, model, plan, stripes, options, progress).run();
}

}  // namespace lssr::sr
