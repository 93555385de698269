#include "libio/tiling/scene_tiles.hpp"

#include <cpl_string.h>
#include <gdal_priv.h>
#include <gdal_utils.h>

#include <fmt/format.h>
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>

#include "libio/tiling/tile_plan.hpp"
#include "libio/core/errors.hpp"
#include "libio/gdal/gdal_dataset.hpp"
#include "libio/gdal/grid_json.hpp"
#include "libio/gdal/staged_output.hpp"

namespace fs = std::filesystem;
using nlohmann::json;

namespace lssr::io {
namespace {

// gdal_translate -srcwin: a faithful copy of every band, type and metadata.
void copy_window(GDALDataset& source, const std::string& source_path, const Window& w,
                 const std::string& dest, const std::vector<std::string>& creation_options) {
    CPLStringList args;
    for (const char* a : {"-of", "GTiff", "-srcwin"}) args.AddString(a);
    for (int v : {w.col, w.row, w.width, w.height}) args.AddString(std::to_string(v).c_str());
    for (const auto& co : creation_options) {
        args.AddString("-co");
        args.AddString(co.c_str());
    }
    GDALTranslateOptions* options = GDALTranslateOptionsNew(args.List(), nullptr);
    int usage_error = 0;
    CPLErrorReset();
    GDALDatasetH out = GDALTranslate(dest.c_str(), GDALDataset::ToHandle(&source), options, &usage_error);
    GDALTranslateOptionsFree(options);
    const bool failed = !out;
    if (out) GDALClose(out);
    if (failed || CPLGetLastErrorType() >= CE_Failure)
        throw InputError(source_path + ": cannot copy a tile: " + last_gdal_error() +
                         " (truncated or corrupt file?)");
}

struct IndexedTile {
    std::string file;
    Window window;  // in source pixels
    Window core;
    Grid source;
    int tile = 0, overlap = 0;
};

std::vector<IndexedTile> read_index(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw InputError(path + (path_exists(path) ? ": cannot read" : ": no such file"));
    std::vector<IndexedTile> tiles;
    std::string line;
    int number = 0;
    while (std::getline(in, line)) {
        ++number;
        if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
        const std::string where = path + ":" + std::to_string(number);
        IndexedTile t;
        try {
            const json j = json::parse(line);
            t.file = j.at("file").get<std::string>();
            t.window = Window{j.at("col").get<int>(), j.at("row").get<int>(), j.at("width").get<int>(),
                              j.at("height").get<int>()};
            t.core = window_from_json(j.at("core"), where);
            t.source = grid_from_json(j.at("source").at("grid"), where);
            t.tile = j.at("tile_size").get<int>();
            t.overlap = j.at("overlap").get<int>();
        } catch (const json::exception&) {
            throw InputError(where +
                             ": not a tile index line (file, col, row, width, height, core, "
                             "tile_size, overlap, source)");
        }
        if (!tiles.empty() &&
            (!same_grid(tiles.front().source, t.source) || tiles.front().overlap != t.overlap))
            throw InputError(where + ": tile belongs to another scene or layout than line 1");
        tiles.push_back(std::move(t));
    }
    if (tiles.empty()) throw InputError(path + ": the index lists no tiles");
    return tiles;
}

// A tile file placed on the mosaic.
struct PlacedTile {
    std::string path;
    Window window;  // in mosaic pixels
    // Where the file lies where the plan puts its tile (the rule), the plan's
    // weights; otherwise (a tile that a processing step trimmed) its own.
    std::optional<PlannedTile> planned;
    TileWeights own_weights;
    std::vector<std::optional<double>> nodata;  // per band, stored value
};

// A window of source pixels in mosaic pixels (sx, sy mosaic pixels per source pixel).
Window scaled_window(const Window& w, double sx, double sy) {
    const int c0 = static_cast<int>(std::lround(w.col * sx)), r0 = static_cast<int>(std::lround(w.row * sy));
    const int c1 = static_cast<int>(std::lround((w.col + w.width) * sx));
    const int r1 = static_cast<int>(std::lround((w.row + w.height) * sy));
    return Window{c0, r0, c1 - c0, r1 - r0};
}

bool same_window(const Window& a, const Window& b) {
    return a.col == b.col && a.row == b.row && a.width == b.width && a.height == b.height;
}

// The layout the index was cut with, on the mosaic's grid: none when the
// index's tile size and overlap do not make one, or its scaling does not give
// the mosaic's size (tiles then blend with weights of their own windows).
std::optional<TilePlan> mosaic_plan(const IndexedTile& t, const Grid& mosaic, double scale) {
    try {
        TilePlan plan = plan_tiles(t.source.width, t.source.height, t.tile, t.overlap, scale);
        if (plan.output_width == mosaic.width && plan.output_height == mosaic.height) return plan;
    } catch (const Error&) {
    }
    return std::nullopt;
}

bool contains(const Window& outer, const Window& inner) {
    return inner.col >= outer.col && inner.row >= outer.row && inner.col + inner.width <= outer.col + outer.width &&
           inner.row + inner.height <= outer.row + outer.height;
}

bool close_to(double a, double b, double rel) {
    return std::abs(a - b) <= rel * std::max(std::abs(a), std::abs(b));
}

RasterSpec spec_from_tile(GDALDataset& ds, const Grid& mosaic, const std::string& data_type) {
    RasterSpec spec;
    spec.grid = mosaic;
    spec.bands = ds.GetRasterCount();
    GDALRasterBand* first = ds.GetRasterBand(1);
    spec.type = data_type.empty() ? first->GetRasterDataType() : parse_data_type(data_type);
    int has = 0;
    const double nodata = first->GetNoDataValue(&has);
    if (has) spec.nodata = nodata;
    bool any_scaling = false;
    for (int b = 1; b <= spec.bands; ++b) {
        GDALRasterBand* band = ds.GetRasterBand(b);
        spec.descriptions.push_back(band->GetDescription());
        BandScaling s;
        s.scale = band->GetScale();
        s.offset = band->GetOffset();
        any_scaling = any_scaling || s.scale != 1.0 || s.offset != 0.0;
        spec.scalings.push_back(s);
    }
    if (!any_scaling) spec.scalings.clear();
    if (char** md = ds.GetMetadata()) {
        for (int i = 0; md[i]; ++i) {
            char* key = nullptr;
            const char* value = CPLParseNameValue(md[i], &key);
            if (key && value) spec.metadata[key] = value;
            CPLFree(key);
        }
    }
    return spec;
}

}  // namespace

CutResult cut_scene(const CutOptions& options, const Progress& progress) {
    // Refuse an existing output before reading anything.
    StagedDirectory staged(options.out_dir, options.overwrite);
    DatasetPtr source = open_raster(options.scene);
    const Grid grid = grid_of(*source, options.scene);
    const TilePlan plan = plan_tiles(grid.width, grid.height, options.tile, options.overlap);
    const std::string stem = fs::path(options.scene).stem().string();

    std::ofstream index(fs::path(staged.temp_path()) / "index.jsonl");
    const nlohmann::ordered_json source_json{{"path", options.scene}, {"grid", grid_to_json(grid)}};
    for (int r = 0; r < plan.rows(); ++r)
        for (int c = 0; c < plan.columns(); ++c) {
            const Window w = plan.at(r, c).input;
            const std::string name = fmt::format("{}_r{:03d}_c{:03d}.tif", stem, r, c);
            copy_window(*source, options.scene, w, (fs::path(staged.temp_path()) / name).string(),
                        options.creation_options);
            nlohmann::ordered_json line{{"file", name},
                                        {"tile_row", r},
                                        {"tile_col", c},
                                        {"col", w.col},
                                        {"row", w.row},
                                        {"width", w.width},
                                        {"height", w.height},
                                        {"core", window_to_json(plan.core(r, c))},
                                        {"tile_size", plan.tile},
                                        {"overlap", plan.overlap},
                                        {"source", source_json}};
            index << line.dump() << "\n";
            report(progress, static_cast<double>(r * plan.columns() + c + 1) / plan.size(), "tiles");
        }
    index.close();
    if (!index) throw OutputError(options.out_dir + ": cannot write index.jsonl");
    staged.commit();
    CutResult result;
    result.tiles = static_cast<int>(plan.size());
    result.columns = plan.columns();
    result.rows = plan.rows();
    result.index = (fs::path(options.out_dir) / "index.jsonl").string();
    return result;
}

StitchResult stitch_tiles(const StitchOptions& options, const Progress& progress) {
    check_can_write(options.output, options.output_options.overwrite);
    if (!options.data_type.empty()) (void)parse_data_type(options.data_type);
    validate_output_format(options.output_options.format);
    const std::vector<IndexedTile> indexed = read_index(options.index);
    const fs::path dir =
        options.tiles_dir.empty() ? fs::path(options.index).parent_path() : fs::path(options.tiles_dir);
    const Grid& source = indexed.front().source;

    // First pass: the tiles' own grids fix the mosaic's pixel size and placement.
    std::vector<PlacedTile> placed;
    RasterSpec spec;
    Grid mosaic;
    double scale = 1.0;
    std::optional<TilePlan> plan;  // the cut's layout on the mosaic, when the index describes one
    for (const IndexedTile& t : indexed) {
        PlacedTile p;
        p.path = (dir / t.file).string();
        DatasetPtr ds = open_raster(p.path);
        const Grid g = grid_of(*ds, p.path);
        if (!same_crs(g.crs_wkt, source.crs_wkt))
            throw InputError(p.path + ": its CRS differs from the source scene's in the index");
        if (placed.empty()) {
            scale = source.pixel_width() / g.pixel_width();
            mosaic.crs_wkt = source.crs_wkt;
            mosaic.transform = {source.origin_x(), g.pixel_width(), 0, source.origin_y(), 0,
                                -g.pixel_height()};
            mosaic.width = static_cast<int>(std::lround(source.width * scale));
            mosaic.height =
                static_cast<int>(std::lround(source.height * source.pixel_height() / g.pixel_height()));
            spec = spec_from_tile(*ds, mosaic, options.data_type);
            plan = mosaic_plan(t, mosaic, scale);
        } else {
            if (!close_to(g.pixel_width(), mosaic.pixel_width(), 1e-6) ||
                !close_to(g.pixel_height(), mosaic.pixel_height(), 1e-6))
                throw InputError(p.path + ": its pixel size differs from the other tiles'");
            if (ds->GetRasterCount() != spec.bands)
                throw InputError(p.path + ": has " + std::to_string(ds->GetRasterCount()) +
                                 " bands, the other tiles " + std::to_string(spec.bands));
        }
        double col = 0, row = 0;
        mosaic.map_to_pixel(g.origin_x(), g.origin_y(), col, row);
        if (std::abs(col - std::round(col)) > 1e-3 || std::abs(row - std::round(row)) > 1e-3)
            throw InputError(p.path + ": not on the mosaic's pixel lattice");
        p.window =
            Window{static_cast<int>(std::lround(col)), static_cast<int>(std::lround(row)), g.width, g.height};
        // The part of the scene the tile alone stands for must lie inside it, or
        // the mosaic would get a hole there: a tile moved off its place is refused.
        const Window core = scaled_window(t.core, scale, source.pixel_height() / mosaic.pixel_height());
        if (!contains(p.window, core))
            throw InputError(fmt::format(
                "{}: not on the mosaic's grid: its georeferencing puts it at pixel ({}, {}) of the mosaic, "
                "{}x{} px, but it must cover ({}, {}) to ({}, {}), its core in {}",
                p.path, p.window.col, p.window.row, p.window.width, p.window.height, core.col, core.row,
                core.col + core.width, core.row + core.height, options.index));
        if (plan) p.planned = plan->find(t.window);
        if (p.planned && !same_window(p.planned->output, p.window)) p.planned.reset();
        if (!p.planned) p.own_weights = tile_weights(p.window, mosaic.width, mosaic.height, t.overlap * scale);
        for (int b = 1; b <= ds->GetRasterCount(); ++b) {
            int has = 0;
            const double nd = ds->GetRasterBand(b)->GetNoDataValue(&has);
            p.nodata.push_back(has ? std::optional<double>(nd) : std::nullopt);
        }
        placed.push_back(std::move(p));
        report(progress, 0.05 * placed.size() / indexed.size(), "checking tiles");
    }

    std::vector<std::string> inputs{options.index};
    for (const PlacedTile& p : placed) inputs.push_back(p.path);
    check_outputs_apart({options.output}, inputs, true);  // never blend onto a tile

    // Second pass: row strips, each accumulating the tiles that cross it.
    RasterWriter writer(options.output, spec, options.output_options);
    const long long row_bytes = static_cast<long long>(mosaic.width) * spec.bands * 16;
    const int strip = static_cast<int>(
        std::clamp<long long>(options.memory_bytes / std::max(1LL, row_bytes), 1, mosaic.height));
    for (int top = 0; top < mosaic.height; top += strip) {
        const Window region{0, top, mosaic.width, std::min(strip, mosaic.height - top)};
        BlendAccumulator acc(spec.bands, region);
        for (const PlacedTile& p : placed) {
            const int r0 = std::max(region.row, p.window.row);
            const int r1 = std::min(region.row + region.height, p.window.row + p.window.height);
            const int c0 = std::max(0, p.window.col);
            const int c1 = std::min(mosaic.width, p.window.col + p.window.width);
            if (r0 >= r1 || c0 >= c1) continue;
            DatasetPtr ds = open_raster(p.path);
            std::vector<int> bands(spec.bands);
            for (int b = 0; b < spec.bands; ++b) bands[b] = b + 1;
            RasterBlock block = read_block(
                *ds, bands, Window{c0 - p.window.col, r0 - p.window.row, c1 - c0, r1 - r0}, p.path);
            for (int b = 0; b < block.bands; ++b) {
                if (!p.nodata[b]) continue;
                const float nd = static_cast<float>(*p.nodata[b]);
                float* v = block.band(b);
                for (size_t i = 0; i < block.plane(); ++i)
                    if (v[i] == nd) v[i] = NAN;
            }
            const Window where{c0, r0, c1 - c0, r1 - r0};
            if (p.planned) acc.add(block, where, p.window, *p.planned->weights_x, *p.planned->weights_y);
            else acc.add(block, where, p.window, p.own_weights);
        }
        writer.write(acc.result(), region);
        report(progress, 0.05 + 0.9 * (top + region.height) / mosaic.height, "stitching");
    }
    writer.finish(scaled(progress, 0.95, 1.0));

    StitchResult result;
    result.grid = mosaic;
    result.tiles = static_cast<int>(placed.size());
    result.scale = scale;
    return result;
}

}  // namespace lssr::io
