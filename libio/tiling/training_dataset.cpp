#include "libio/tiling/training_dataset.hpp"

#include <gdal_priv.h>
#include <ogr_spatialref.h>

#include <fmt/format.h>
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>

#include "libio/products/cloud_masks.hpp"
#include "libio/tiling/dataset_patches.hpp"
#include "libio/core/dates.hpp"
#include "libio/core/errors.hpp"
#include "libio/gdal/gdal_dataset.hpp"
#include "libio/products/products.hpp"
#include "libio/gdal/grid_json.hpp"
#include "libio/gdal/raster.hpp"
#include "libio/products/scene.hpp"
#include "libio/products/scene_reader.hpp"
#include "libio/gdal/sampling.hpp"
#include "libio/tiling/side_layers.hpp"
#include "libio/gdal/staged_output.hpp"
#include "libio/core/text.hpp"
#include "libio/core/scale.hpp"

namespace fs = std::filesystem;
using nlohmann::json;

namespace lssr::io {
namespace {


// A scene of a pair: its bands by role (the QA role the dataset screens with,
// if any) and the blue band's grid, on which LR patches are laid.
struct OpenScene {
    ReflectanceReader bands;
    std::optional<QaKind> qa_kind;
    Grid grid;
};

OpenScene open_scene(DatasetCache& cache, const SceneRef& scene, const std::vector<std::string>& qa_roles) {
    ReflectanceReader bands = scene_reader(cache, scene, qa_roles);
    const std::optional<QaKind> qa_kind = bands.qa() ? qa_kind_of_role(bands.qa_role()) : std::nullopt;
    const Grid grid = bands.grid();
    return OpenScene{std::move(bands), qa_kind, grid};
}

// Per pixel of `grid`: Nodata when any band is missing or the QA says fill,
// Cloud when the QA flags it.
std::vector<PixelQuality> quality_on(const OpenScene& scene, const RasterBlock& reflectance,
                                     const Grid& grid) {
    std::vector<PixelQuality> q(reflectance.plane(), PixelQuality::Clear);
    for (int b = 0; b < reflectance.bands; ++b)
        for (size_t i = 0; i < q.size(); ++i)
            if (std::isnan(reflectance.band(b)[i])) q[i] = PixelQuality::Nodata;
    if (scene.bands.qa()) {
        const RasterBlock qa = scene.bands.sample_qa(grid);
        for (size_t i = 0; i < q.size(); ++i) {
            if (q[i] == PixelQuality::Nodata) continue;
            const PixelQuality p = classify_qa(*scene.qa_kind, qa.data[i]);
            if (p != PixelQuality::Clear) q[i] = p;
        }
    }
    return q;
}

struct Fractions {
    double nodata = 0, cloud = 0;
};

// Over the HR patch: each LR pixel stands for its 3x3 HR pixels. A pixel is
// nodata where LR or HR is, or where a side layer (DEM, land cover, S1) holds
// no value (`side_missing`, per HR pixel; empty = not yet read).
Fractions screen(const std::vector<PixelQuality>& lr, int lr_size, const std::vector<PixelQuality>& hr,
                 int hr_size, const std::vector<bool>& side_missing = {}) {
    long long nodata = 0, cloud = 0;
    for (int r = 0; r < hr_size; ++r)
        for (int c = 0; c < hr_size; ++c) {
            const size_t i = static_cast<size_t>(r) * hr_size + c;
            const PixelQuality a = lr[static_cast<size_t>(r / kScaleFactor) * lr_size + c / kScaleFactor];
            const PixelQuality b = hr[i];
            const bool side_gap = !side_missing.empty() && side_missing[i];
            if (a == PixelQuality::Nodata || b == PixelQuality::Nodata || side_gap)
                ++nodata;
            else if (a == PixelQuality::Cloud || b == PixelQuality::Cloud)
                ++cloud;
        }
    const double n = static_cast<double>(hr_size) * hr_size;
    return Fractions{nodata / n, cloud / n};
}

// Sentinel-1 VV and VH: from the --s1 file (bands named VV/VH, else 1 and 2)
// or from the pair's s1 scene.
struct S1Source {
    std::vector<OpenBand> bands;  // VV, VH
};

S1Source s1_from_file(DatasetCache& cache, const std::string& path) {
    auto ds = cache.open(path);
    if (ds->GetRasterCount() < 2)
        throw InputError(path + ": a Sentinel-1 raster needs 2 bands (VV, VH), it has " +
                         std::to_string(ds->GetRasterCount()));
    int vv = 1, vh = 2;
    for (int b = 1; b <= ds->GetRasterCount(); ++b) {
        const std::string d = ascii_upper(ds->GetRasterBand(b)->GetDescription());
        if (d == "VV") vv = b;
        if (d == "VH") vh = b;
    }
    S1Source s;
    for (int b : {vv, vh}) {
        BandRef ref;
        ref.path = path;
        ref.band = b;
        s.bands.push_back(open_band(cache, ref, "Sentinel-1"));
    }
    return s;
}

S1Source s1_from_scene(DatasetCache& cache, const SceneRef& scene) {
    S1Source s;
    for (const char* role : {"vv", "vh"})
        s.bands.push_back(open_band(cache, scene.band(role), scene.id + " " + role));
    return s;
}

RasterBlock read_s1(const S1Source& s1, const Grid& grid) {
    RasterBlock out(2, grid.width, grid.height);
    for (int b = 0; b < 2; ++b) {
        const OpenBand& band = s1.bands[b];
        const RasterBlock one = sample_db_onto(*band.dataset, band.path, {band.band}, {band.scaling}, grid);
        std::copy(one.data.begin(), one.data.end(), out.band(b));
    }
    return out;
}

// Every file the run reads must exist before anything is done; the message
// names the file and where the manifest mentions it. Pair ids must be unique.
void check_files_exist(const DatasetOptions& o, const std::vector<PairRecord>& pairs) {
    for (const std::string* p : {&o.dem, &o.landcover, &o.s1})
        if (!p->empty() && !path_exists(*p)) throw InputError(*p + ": no such file");
    std::set<std::string> pair_ids;
    for (const PairRecord& pair : pairs) {
        // Sample ids (and so file names) derive from pair ids: they must be unique.
        if (!pair_ids.insert(pair.id).second)
            throw InputError(o.manifest + ": pair id " + pair.id + " appears more than once");
        std::vector<const SceneRef*> scenes{&pair.lr, &pair.hr};
        if (pair.s1 && o.s1.empty()) scenes.push_back(&*pair.s1);
        for (const SceneRef* s : scenes)
            for (const auto& [role, ref] : s->bands)
                if (!path_exists(ref.path))
                    throw InputError(ref.path + ": no such file (" + role + " band of " + s->id + ", pair " +
                                     pair.id + " in " + o.manifest + ")");
    }
}

// Written so that NaN fails too: it compares false with everything.
bool is_fraction(double v) { return v >= 0 && v <= 1; }

void validate(const DatasetOptions& o) {
    if (o.patch < 1) throw OptionError("--patch must be at least 1");
    if (o.stride < 0) throw OptionError("--stride must be positive");
    if (!is_fraction(o.max_nodata)) throw OptionError("--max-nodata must be a number within [0, 1]");
    if (!is_fraction(o.max_cloud)) throw OptionError("--max-cloud must be a number within [0, 1]");
    if (!is_fraction(o.test_fraction)) throw OptionError("--test-fraction must be a number within [0, 1]");
    if (o.dem.empty() || o.landcover.empty()) throw OptionError("dataset mode needs --dem and --landcover");
}

// Static layers shared by every pair.
struct StaticLayers {
    OpenBand dem, landcover;
    double landcover_nodata = 255;
    std::optional<S1Source> s1;
};

// The LR/HR overlap of a pair in the LR grid's CRS: where its patches lie.
Bounds pair_area(const OpenScene& lr, const OpenScene& hr) {
    const Bounds hr_area = transform_bounds(hr.grid.bounds(), hr.grid.crs_wkt, lr.grid.crs_wkt);
    return lr.grid.bounds().intersection(hr_area);
}

// Before any patch is cut: every side layer a pair reads must overlap the
// pair's area and hold data there, else its patches would all be NaN.
void check_side_layers(const std::vector<PairRecord>& pairs, const StaticLayers& layers) {
    for (const PairRecord& pair : pairs) {
        DatasetCache pair_files;
        const OpenScene lr = open_scene(pair_files, pair.lr, {});
        const OpenScene hr = open_scene(pair_files, pair.hr, {});
        const Bounds area = pair_area(lr, hr);
        if (area.area() <= 0) continue;  // no patch, nothing read
        const std::string where = "the area of pair " + pair.id;
        auto check = [&](const OpenBand& b, const std::string& what) {
            check_side_layer(*b.dataset, b.path, {b.band}, b.scaling.nodata, area, lr.grid.crs_wkt, what,
                             where);
        };
        check(layers.dem, "the DEM");
        check(layers.landcover, "land cover");
        std::optional<S1Source> own_s1;
        if (!layers.s1 && pair.s1) own_s1 = s1_from_scene(pair_files, *pair.s1);
        if (const S1Source* s1 = layers.s1 ? &*layers.s1 : own_s1 ? &*own_s1 : nullptr) {
            check(s1->bands[0], "Sentinel-1 VV");
            check(s1->bands[1], "Sentinel-1 VH");
        }
    }
}

class PairTiler {
public:
    PairTiler(const DatasetOptions& o, const std::string& root, StaticLayers& layers, DatasetSummary& summary,
              std::ofstream& index)
        : o_(o), root_(root), layers_(layers), summary_(summary), index_(index) {}

    void run(const PairRecord& pair, DatasetCache& cache, const Progress& progress) {
        const OpenScene lr = open_scene(cache, pair.lr, {"fmask", "qa_pixel"});
        const OpenScene hr = open_scene(cache, pair.hr, {"scl", "fmask"});
        // Sentinel-1 is optional: the model treats a missing _S1.tif as a missing modality.
        std::optional<S1Source> own_s1;
        if (!layers_.s1 && pair.s1) own_s1 = s1_from_scene(cache, *pair.s1);
        const S1Source* s1 = layers_.s1 ? &*layers_.s1 : own_s1 ? &*own_s1 : nullptr;
        if (!s1) ++summary_.pairs_without_s1;
        const auto date = parse_date(pair.lr.date);
        if (!date)
            throw InputError("pair " + pair.id + " in " + o_.manifest + ": bad LR date '" + pair.lr.date +
                             "'");

        const Bounds area = pair_area(lr, hr);
        const int stride = o_.stride > 0 ? o_.stride : o_.patch;
        const std::vector<Window> windows = patch_windows(lr.grid, area, o_.patch, stride);
        summary_.candidates += static_cast<int>(windows.size());
        for (size_t k = 0; k < windows.size(); ++k) {
            const Window& w = windows[k];
            const std::string id =
                fmt::format("{}-r{:03d}-c{:03d}", pair.id, (w.row - windows[0].row) / stride,
                            (w.col - windows[0].col) / stride);
            tile_patch(pair, lr, hr, s1, *date, w, id);
            report(progress, static_cast<double>(k + 1) / windows.size(), "patches");
        }
    }

private:
    void tile_patch(const PairRecord& pair, const OpenScene& lr, const OpenScene& hr, const S1Source* s1,
                    const Date& date, const Window& w, const std::string& id) {
        const Grid lr_grid = lr.grid.window(w);
        const Grid hr_grid = lr_grid.refined(kScaleFactor);
        const RasterBlock lr_values = lr.bands.sample(lr_grid);
        const RasterBlock hr_values = hr.bands.sample(hr_grid);
        const std::vector<PixelQuality> lr_quality = quality_on(lr, lr_values, lr_grid);
        const std::vector<PixelQuality> hr_quality = quality_on(hr, hr_values, hr_grid);
        // Screen on the scenes first: side layers are read only for patches that may be kept.
        const Fractions scenes = screen(lr_quality, lr_grid.width, hr_quality, hr_grid.width);
        if (scenes.nodata > o_.max_nodata) {
            ++summary_.skipped_nodata;
            return;
        }
        if (scenes.cloud > o_.max_cloud) {
            ++summary_.skipped_cloud;
            return;
        }

        const RasterBlock dem = dem_on(layers_.dem, hr_grid);
        const RasterBlock lc = landcover_on(layers_.landcover, hr_grid);
        const RasterBlock s1_db = s1 ? read_s1(*s1, hr_grid) : RasterBlock{};
        std::vector<const RasterBlock*> sides{&dem, &lc};
        if (s1) sides.push_back(&s1_db);
        // Pixels without elevation, land cover or backscatter count as nodata too.
        const Fractions f =
            screen(lr_quality, lr_grid.width, hr_quality, hr_grid.width, missing_anywhere(sides));
        if (f.nodata > o_.max_nodata) {
            ++summary_.skipped_nodata;
            return;
        }

        const bool test = in_test_split(o_.seed, id, o_.test_fraction);
        const std::string split = test ? "test" : "train";
        const std::string stem = split + "/" + id + "_" + date.compact() + "_";
        const std::map<std::string, std::string> meta_lr{{"LSSR_SENSOR", pair.lr.sensor},
                                                         {"LSSR_PRODUCT", pair.lr.id},
                                                         {"ACQUISITION_DATE", pair.lr.date}};
        const std::map<std::string, std::string> meta_hr{{"LSSR_SENSOR", pair.hr.sensor},
                                                         {"LSSR_PRODUCT", pair.hr.id},
                                                         {"ACQUISITION_DATE", pair.hr.date}};
        RasterSpec l8 = float_spec(lr_grid, reflectance_role_names());
        l8.metadata = meta_lr;
        RasterSpec s2 = float_spec(hr_grid, reflectance_role_names());
        s2.metadata = meta_hr;
        write(stem + "L8.tif", l8, lr_values);
        write(stem + "S2.tif", s2, hr_values);
        write(stem + "DEM.tif", float_spec(hr_grid, {"elevation"}), dem);
        write(stem + "LC.tif", landcover_spec(hr_grid, layers_.landcover_nodata), lc);
        if (s1) write(stem + "S1.tif", float_spec(hr_grid, {"VV", "VH"}), s1_db);

        const auto lonlat = center_lonlat(hr_grid);
        nlohmann::ordered_json files = nlohmann::ordered_json::object();
        for (const char* kind : {"L8", "S2", "DEM", "LC", "S1"})
            if (s1 || std::string(kind) != "S1") files[kind] = stem + kind + ".tif";
        const nlohmann::ordered_json line{
            {"id", id},
            {"split", split},
            {"files", files},
            {"pair", pair.id},
            {"lr", {{"sensor", pair.lr.sensor}, {"id", pair.lr.id}, {"date", pair.lr.date}}},
            {"hr", {{"sensor", pair.hr.sensor}, {"id", pair.hr.id}, {"date", pair.hr.date}}},
            {"month", date.month},
            {"center_lon", lonlat[0]},
            {"center_lat", lonlat[1]},
            {"nodata_fraction", f.nodata},
            {"cloud_fraction", f.cloud},
            {"lr_grid", grid_to_json(lr_grid)},
            {"hr_grid", grid_to_json(hr_grid)}};
        index_ << line.dump() << "\n";
        ++summary_.kept;
        ++(test ? summary_.test : summary_.train);
    }

    void write(const std::string& relative, const RasterSpec& spec, const RasterBlock& block) {
        write_raster((fs::path(root_) / relative).string(), spec, block, OutputOptions{});
    }

    const DatasetOptions& o_;
    std::string root_;
    StaticLayers& layers_;
    DatasetSummary& summary_;
    std::ofstream& index_;
};

}  // namespace

std::vector<Window> patch_windows(const Grid& lr, const Bounds& area, int patch, int stride) {
    std::vector<Window> out;
    if (area.area() <= 0 || patch < 1 || stride < 1) return out;
    const double px = lr.pixel_width(), py = lr.pixel_height();
    const int col0 = std::max(0, static_cast<int>(std::ceil((area.min_x - lr.origin_x()) / px - 1e-6)));
    const int col1 =
        std::min(lr.width, static_cast<int>(std::floor((area.max_x - lr.origin_x()) / px + 1e-6)));
    const int row0 = std::max(0, static_cast<int>(std::ceil((lr.origin_y() - area.max_y) / py - 1e-6)));
    const int row1 =
        std::min(lr.height, static_cast<int>(std::floor((lr.origin_y() - area.min_y) / py + 1e-6)));
    for (int r = row0; r + patch <= row1; r += stride)
        for (int c = col0; c + patch <= col1; c += stride) out.push_back(Window{c, r, patch, patch});
    return out;
}

bool in_test_split(std::uint64_t seed, const std::string& sample_id, double test_fraction) {
    // FNV-1a over seed and id, then a splitmix64 finaliser to spread the bits.
    std::uint64_t h = 1469598103934665603ULL;
    auto mix = [&h](unsigned char byte) {
        h ^= byte;
        h *= 1099511628211ULL;
    };
    for (int i = 0; i < 8; ++i) mix(static_cast<unsigned char>(seed >> (8 * i)));
    for (char ch : sample_id) mix(static_cast<unsigned char>(ch));
    h ^= h >> 30;
    h *= 0xbf58476d1ce4e5b9ULL;
    h ^= h >> 27;
    h *= 0x94d049bb133111ebULL;
    h ^= h >> 31;
    const double u = static_cast<double>(h >> 11) / static_cast<double>(1ULL << 53);
    return u < test_fraction;
}

DatasetSummary build_dataset(const DatasetOptions& options, const Progress& progress) {
    validate(options);
    // Refuse an existing output before any work; nothing appears unless all succeeds.
    StagedDirectory staged(options.out_dir, options.overwrite);
    const std::vector<PairRecord> pairs = read_manifest(options.manifest);
    check_files_exist(options, pairs);

    DatasetCache static_files;  // DEM, land cover and --s1, open for the whole run
    StaticLayers layers;
    ElevationAndLandcover side = open_elevation_and_landcover(static_files, options.dem, options.landcover);
    layers.dem = *side.dem;
    layers.landcover = *side.landcover;
    layers.landcover_nodata = side.landcover_nodata;
    if (!options.s1.empty()) {
        layers.s1 = s1_from_file(static_files, options.s1);
        (void)grid_of(*layers.s1->bands.front().dataset, options.s1);
    }
    check_side_layers(pairs, layers);

    for (const char* split : {"train", "test"}) fs::create_directories(fs::path(staged.temp_path()) / split);
    std::ofstream index(fs::path(staged.temp_path()) / "index.jsonl");
    DatasetSummary summary;
    summary.pairs = static_cast<int>(pairs.size());
    PairTiler tiler(options, staged.temp_path(), layers, summary, index);
    for (size_t i = 0; i < pairs.size(); ++i) {
        const double lo = static_cast<double>(i) / pairs.size(),
                     hi = static_cast<double>(i + 1) / pairs.size();
        DatasetCache pair_files;  // closed after each pair: long manifests must not exhaust file handles
        tiler.run(pairs[i], pair_files, scaled(progress, lo, hi));
    }
    index.close();
    if (!index) throw OutputError(options.out_dir + ": cannot write index.jsonl");
    if (summary.kept == 0)
        throw InputError(fmt::format(
            "{}: no usable patches: {} candidate patch(es) over the LR/HR overlap, {} skipped for nodata "
            "(> --max-nodata {}), {} for cloud (> --max-cloud {})",
            options.manifest, summary.candidates, summary.skipped_nodata, options.max_nodata,
            summary.skipped_cloud, options.max_cloud));
    staged.commit();
    return summary;
}

}  // namespace lssr::io
