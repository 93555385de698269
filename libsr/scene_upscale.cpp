#include "libsr/scene_upscale.hpp"

#include <gdal_priv.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <deque>
#include <limits>

#include "libio/blend.hpp"
#include "libio/errors.hpp"
#include "libio/products.hpp"

namespace lssr::sr {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
    return std::chrono::duration<double>(Clock::now() - t0).count();
}

// Copies window `w` (relative to `src`'s origin) out of a block.
io::RasterBlock crop(const io::RasterBlock& src, const io::Window& w) {
    io::RasterBlock out(src.bands, w.width, w.height);
    for (int b = 0; b < src.bands; ++b)
        for (int r = 0; r < w.height; ++r)
            std::copy_n(src.band(b) + static_cast<size_t>(w.row + r) * src.width + w.col, w.width, &out.at(b, r, 0));
    return out;
}

// Missing pixels get the band's mean over the tile's valid pixels, so the
// networks see no NaN; they are masked out of the output again. False when
// the tile has no valid pixel at all.
bool fill_holes(io::RasterBlock& block) {
    bool any_valid = false;
    for (int b = 0; b < block.bands; ++b) {
        float* v = block.band(b);
        double sum = 0;
        size_t n = 0;
        for (size_t i = 0; i < block.plane(); ++i)
            if (!std::isnan(v[i])) sum += v[i], ++n;
        if (n > 0) any_valid = true;
        const float fill = n > 0 ? static_cast<float>(sum / n) : 0.0f;
        for (size_t i = 0; i < block.plane(); ++i)
            if (std::isnan(v[i])) v[i] = fill;
    }
    return any_valid;
}

struct DoneTile {
    io::RasterBlock hr;     // NaN block when the tile was empty
    io::Window window;      // in output pixels
    io::TileWeights weights;
};

// What the output stores: the input's type and scaling unless -ot asks for a
// floating type over an integer input, which then holds reflectance.
struct OutputEncoding {
    GDALDataType type;
    std::vector<io::BandScaling> scalings;
    std::optional<double> nodata;
};

OutputEncoding output_encoding(const LrScene& scene, const std::string& data_type) {
    OutputEncoding enc{scene.type, scene.scalings, scene.scalings[2].nodata};
    if (!data_type.empty()) enc.type = io::parse_data_type(data_type);
    const bool float_out = GDALDataTypeIsFloating(enc.type);
    if (float_out && !GDALDataTypeIsFloating(scene.type)) {
        for (auto& s : enc.scalings) s = io::BandScaling{1.0, 0.0, std::nullopt};
        enc.nodata = std::numeric_limits<double>::quiet_NaN();
    }
    if (!enc.nodata) {
        // Masked pixels need a nodata value the data cannot take.
        if (float_out) enc.nodata = std::numeric_limits<double>::quiet_NaN();
        else enc.nodata = GDALDataTypeIsSigned(enc.type) ? -9999.0 : 0.0;
    }
    for (auto& s : enc.scalings) s.nodata = enc.nodata;
    return enc;
}

class Upscaler {
public:
    Upscaler(const LrScene& scene, TileModel& model, const UpscaleOptions& options, const Progress& progress)
        : scene_(scene), model_(model), options_(options), progress_(progress), reader_(scene, options.fmask),
          layout_(io::plan_tiles(scene.grid.width, scene.grid.height, options.tile, options.overlap)),
          hr_grid_(scene.grid.refined(kScale)), encoding_(output_encoding(scene, options.data_type)) {}

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
        io::RasterWriter writer(options_.output, spec, options_.output_options);

        stats_.grid = hr_grid_;
        stats_.tiles = static_cast<int>(layout_.tiles.size());
        int written_rows = 0;
        for (int row = 0; row < layout_.rows(); ++row) {
            process_tile_row(row);
            const bool last = row + 1 == layout_.rows();
            // Output rows above the next tile row's start receive nothing more.
            const int done = last ? hr_grid_.height : layout_.row_offsets[row + 1] * kScale;
            // The projection of a strip reads halo() rows below it: those must be final too.
            const int ready = last ? done : done - halo();
            if (ready > written_rows) {
                write_rows(writer, written_rows, ready);
                written_rows = ready;
            }
            // Tiles ending above the written rows and their upper halo are no longer needed.
            while (!cache_.empty() &&
                   cache_.front().window.row + cache_.front().window.height <= written_rows - halo())
                cache_.pop_front();
        }
        writer.finish(scaled(progress_, 0.98, 1.0));
        stats_.total_seconds = seconds_since(t0);
        return stats_;
    }

private:
    void process_tile_row(int row) {
        const int th = std::min(layout_.tile, layout_.scene_height);
        const int tw = std::min(layout_.tile, layout_.scene_width);
        const io::Window strip{0, layout_.row_offsets[row], layout_.scene_width, th};
        const auto lr = reader_.read(strip);
        std::vector<TileInput> batch;
        std::vector<io::Window> batch_windows;
        auto flush = [&]() {
            if (batch.empty()) return;
            const auto t0 = Clock::now();
            auto out = model_.upscale(batch);
            stats_.model_seconds += seconds_since(t0);
            if (out.size() != batch.size()) throw Error("model returned a wrong number of tiles");
            for (size_t i = 0; i < out.size(); ++i) add_done(std::move(out[i]), batch_windows[i]);
            batch.clear();
            batch_windows.clear();
        };
        for (int col = 0; col < layout_.columns(); ++col) {
            const io::Window w{layout_.col_offsets[col], layout_.row_offsets[row], tw, th};
            auto block = crop(lr, io::Window{w.col, 0, tw, th});
            if (!fill_holes(block)) {
                ++stats_.tiles_empty;
                add_done(io::RasterBlock(6, tw * kScale, th * kScale, NAN), w);
            } else {
                batch.push_back(TileInput{std::move(block), w, hr_grid_.window(io::scale_window(w, kScale))});
                batch_windows.push_back(w);
                if (static_cast<int>(batch.size()) >= options_.batch) flush();
            }
            ++tiles_done_;
            report(progress_, 0.98 * tiles_done_ / std::max<size_t>(1, layout_.tiles.size()), "upscaling");
        }
        flush();
    }

    void add_done(io::RasterBlock hr, const io::Window& lr_window) {
        const auto w = io::scale_window(lr_window, kScale);
        if (hr.bands != 6 || hr.width != w.width || hr.height != w.height)
            throw Error("model returned a tile of the wrong size");
        auto weights = io::tile_weights(w, hr_grid_.width, hr_grid_.height, layout_.overlap * double(kScale));
        cache_.push_back(DoneTile{std::move(hr), w, std::move(weights)});
    }

    // Output rows of halo blended above and below each strip for the
    // consistency projection: the projection's response to a change decays by
    // ~0.15 (at worst ~0.29, near nodata) per input row, so solving on the strip
    // plus kHaloInputRows input rows each side leaves the strip's result
    // independent of where strips are cut, to ~1e-6 of the correction.
    static constexpr int kHaloInputRows = 10;
    int halo() const { return options_.consistency == Consistency::Exact ? kHaloInputRows * kScale : 0; }

    // Blends, projects, masks and writes output rows [begin, end) in strips of
    // bounded size. begin, end and the strips are multiples of kScale rows.
    void write_rows(io::RasterWriter& writer, int begin, int end) {
        const long long row_bytes = 2LL * sizeof(double) * 6 * hr_grid_.width;
        const int step = static_cast<int>(std::max<long long>(kScale, options_.strip_bytes / row_bytes / kScale * kScale));
        for (int r0 = begin; r0 < end; r0 += step) {
            const int r1 = std::min(end, r0 + step);
            const io::Window region{0, r0, hr_grid_.width, r1 - r0};
            const int b0 = std::max(0, r0 - halo()), b1 = std::min(hr_grid_.height, r1 + halo());
            io::BlendAccumulator acc(6, io::Window{0, b0, hr_grid_.width, b1 - b0});
            for (const auto& t : cache_)
                if (t.window.row < b1 && t.window.row + t.window.height > b0)
                    acc.add(t.hr, t.window, t.window, t.weights);
            auto blended = acc.result();
            if (options_.consistency == Consistency::Exact)
                project_consistent(blended, reader_.read(io::Window{0, b0 / kScale, scene_.grid.width, (b1 - b0) / kScale}));
            auto out = crop(blended, io::Window{0, r0 - b0, region.width, region.height});
            apply_input_mask(out, region);
            encode(out);
            writer.write(out, region);
        }
    }

    // An output pixel is missing when its 30 m parent is.
    void apply_input_mask(io::RasterBlock& out, const io::Window& region) {
        const int lr_r0 = region.row / kScale;
        const int lr_r1 = (region.row + region.height + kScale - 1) / kScale;
        const auto lr = reader_.read(io::Window{0, lr_r0, scene_.grid.width, lr_r1 - lr_r0});
        for (int r = 0; r < region.height; ++r) {
            const int lr_row = (region.row + r) / kScale - lr_r0;
            for (int c = 0; c < region.width; ++c)
                if (std::isnan(lr.at(0, lr_row, c / kScale)))
                    for (int b = 0; b < out.bands; ++b) out.at(b, r, c) = NAN;
        }
    }

    // Reflectance -> stored values of the output (rounded by the writer).
    void encode(io::RasterBlock& out) const {
        for (int b = 0; b < out.bands; ++b) {
            const auto& s = encoding_.scalings[b];
            float* v = out.band(b);
            for (size_t i = 0; i < out.plane(); ++i)
                if (!std::isnan(v[i])) v[i] = static_cast<float>(s.invert(v[i]));
        }
    }

    const LrScene& scene_;
    TileModel& model_;
    const UpscaleOptions& options_;
    Progress progress_;
    LrReader reader_;
    io::TileLayout layout_;
    io::Grid hr_grid_;
    OutputEncoding encoding_;
    std::deque<DoneTile> cache_;
    UpscaleStats stats_;
    size_t tiles_done_ = 0;
};

}  // namespace

UpscaleStats upscale_scene(const LrScene& scene, TileModel& model, const UpscaleOptions& options,
                           const Progress& progress) {
    if (options.batch < 1) throw OptionError("--batch must be at least 1");
    return Upscaler(scene, model, options, progress).run();
}

}  // namespace lssr::sr
