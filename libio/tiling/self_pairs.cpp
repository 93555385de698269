#include "libio/tiling/self_pairs.hpp"

#include <gdal_priv.h>

#include <fmt/format.h>
#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>

#include "libio/gdal/bands.hpp"
#include "libio/tiling/dataset_patches.hpp"
#include "libio/core/errors.hpp"
#include "libio/gdal/reflectance.hpp"
#include "libio/gdal/gdal_dataset.hpp"
#include "libio/products/products.hpp"
#include "libio/gdal/grid_json.hpp"
#include "libio/tiling/side_layers.hpp"
#include "libio/gdal/staged_output.hpp"
#include "libio/tiling/training_dataset.hpp"
#include "libio/core/scale.hpp"

namespace fs = std::filesystem;

namespace lssr::io {
namespace {


// The Gaussian's sigma in HR pixels and the HR pixels it reaches either side of
// a block centre (3.3 sigma: the weight left out is below 0.1 %).
constexpr double kSigmaHr = kSelfPairsGaussianSigma * kScaleFactor;
constexpr int kGaussianReach = 5;

bool is_fraction(double v) { return v >= 0 && v <= 1; }  // NaN fails

void validate(const SelfPairsOptions& o) {
    if (o.scenes.empty()) throw OptionError("--self-pairs needs at least one SCENE");
    if (o.patch < 1) throw OptionError("--patch must be at least 1");
    if (o.stride < 0) throw OptionError("--stride must be positive");
    if (!is_fraction(o.max_nodata)) throw OptionError("--max-nodata must be a number within [0, 1]");
    if (!is_fraction(o.test_fraction)) throw OptionError("--test-fraction must be a number within [0, 1]");
    if (!o.date.empty() && !parse_date(o.date))
        throw OptionError("--date must be a calendar day as YYYY-MM-DD, not '" + o.date + "'");
}

// The scene's grid with pixels 3x larger: same origin, floor(W/3) x floor(H/3).
Grid coarsened(const Grid& g) {
    Grid out = g;
    for (int i : {1, 2, 4, 5}) out.transform[i] *= kScaleFactor;
    out.width = g.width / kScaleFactor;
    out.height = g.height / kScaleFactor;
    return out;
}

// Sample ids go into file names split at '_' (the date token): letters, digits and '-' only.
std::string scene_id(const std::string& path) {
    std::string id = fs::path(path).stem().string();
    for (char& ch : id)
        if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '-') ch = '-';
    return id.empty() ? "scene" : id;
}

struct Scene {
    std::string path, id;
    std::optional<ReflectanceReader> bands;  // blue .. swir2
    Grid grid, lr_grid;
    std::optional<Date> date;
};

Scene open_scene(DatasetCache& cache, const std::string& path, const SelfPairsOptions& o) {
    if (!path_exists(path)) throw InputError(path + ": no such file");
    Scene s;
    s.path = path;
    s.id = scene_id(path);
    s.bands = ReflectanceReader::stack(cache, path);  // the suite's one band-role rule
    s.grid = s.bands->grid();
    s.lr_grid = coarsened(s.grid);
    const int hr_patch = kScaleFactor * o.patch;
    if (s.grid.width < hr_patch || s.grid.height < hr_patch)
        throw InputError(fmt::format("{}: {}x{} pixels, smaller than one patch ({}x{}: 3 x --patch {})", path,
                                     s.grid.width, s.grid.height, hr_patch, hr_patch, o.patch));
    s.date = o.date.empty() ? date_in_name(path) : parse_date(o.date);
    return s;
}

// The six bands over an HR window, as reflectance; a pixel missing in any band
// (nodata, NaN, not finite once scaled) is missing in all.
RasterBlock read_hr(const Scene& s, const Window& w) {
    RasterBlock block = s.bands->read(w);
    const std::vector<bool> missing = missing_anywhere({&block});
    for (size_t i = 0; i < block.plane(); ++i)
        if (missing[i])
            for (int b = 0; b < block.bands; ++b) block.band(b)[i] = NAN;
    return block;
}


class SelfPairTiler {
public:
    SelfPairTiler(const SelfPairsOptions& o, const std::string& root, const ElevationAndLandcover& side,
                  SelfPairsSummary& summary, std::ofstream& index)
        : o_(o), root_(root), side_(side), summary_(summary), index_(index) {}

    void run(const Scene& scene, const Progress& progress) {
        const int stride = o_.stride > 0 ? o_.stride : o_.patch;
        const std::vector<Window> windows =
            patch_windows(scene.lr_grid, scene.lr_grid.bounds(), o_.patch, stride);
        summary_.candidates += static_cast<int>(windows.size());
        bool any_valid = false;
        for (size_t k = 0; k < windows.size(); ++k) {
            const Window& w = windows[k];
            const std::string id = fmt::format("{}-r{:03d}-c{:03d}", scene.id, w.row / stride, w.col / stride);
            any_valid |= tile_patch(scene, w, id);
            report(progress, static_cast<double>(k + 1) / windows.size(), "patches");
        }
        if (!any_valid)
            throw InputError(scene.path + ": holds only nodata where patches lie (no valid pixel in any of its " +
                             std::to_string(windows.size()) + " patch(es))");
    }

private:
    // Cuts one patch; returns whether it held any valid pixel (kept or not).
    bool tile_patch(const Scene& scene, const Window& lr_window, const std::string& id) {
        const Window hr_window{lr_window.col * kScaleFactor, lr_window.row * kScaleFactor, lr_window.width * kScaleFactor,
                               lr_window.height * kScaleFactor};
        // The Gaussian reaches past the patch: read a margin where the scene has one.
        const int margin = o_.psf == Psf::Gaussian ? kGaussianReach : 0;
        const int c0 = std::max(0, hr_window.col - margin), r0 = std::max(0, hr_window.row - margin);
        const int c1 = std::min(scene.grid.width, hr_window.col + hr_window.width + margin);
        const int r1 = std::min(scene.grid.height, hr_window.row + hr_window.height + margin);
        const RasterBlock source = read_hr(scene, Window{c0, r0, c1 - c0, r1 - r0});
        const Window inner{hr_window.col - c0, hr_window.row - r0, hr_window.width, hr_window.height};
        const RasterBlock lr = degrade_3x(source, inner, o_.psf);
        const RasterBlock hr = crop(source, inner);

        const Grid lr_grid = scene.lr_grid.window(lr_window);
        const Grid hr_grid = scene.grid.window(hr_window);
        std::vector<bool> gap(hr.plane(), false);  // per HR pixel: its LR pixel is missing
        auto fraction = [&](const std::vector<bool>& side_missing) {
            long long n = 0, valid = 0;
            for (int r = 0; r < hr.height; ++r)
                for (int c = 0; c < hr.width; ++c) {
                    const size_t i = static_cast<size_t>(r) * hr.width + c;
                    const bool lr_missing = std::isnan(lr.at(0, r / kScaleFactor, c / kScaleFactor));
                    if (lr_missing || (!side_missing.empty() && side_missing[i])) ++n;
                    if (!std::isnan(hr.band(0)[i])) ++valid;
                }
            return std::make_pair(static_cast<double>(n) / hr.plane(), valid > 0);
        };
        const auto [scene_nodata, any_valid] = fraction({});
        if (scene_nodata > o_.max_nodata) {
            ++summary_.skipped_nodata;
            return any_valid;
        }
        RasterBlock dem, lc;
        std::vector<const RasterBlock*> sides;
        if (side_.dem) sides.push_back(&(dem = dem_on(*side_.dem, hr_grid)));
        if (side_.landcover) sides.push_back(&(lc = landcover_on(*side_.landcover, hr_grid)));
        double nodata = scene_nodata;
        if (!sides.empty()) {
            nodata = fraction(missing_anywhere(sides)).first;
            if (nodata > o_.max_nodata) {
                ++summary_.skipped_nodata;
                return any_valid;
            }
        }

        const bool test = in_test_split(o_.seed, id, o_.test_fraction);
        const std::string split = test ? "test" : "train";
        // 00000000: no date known; lssr-train reads it as month 0 ("unknown").
        const std::string compact = scene.date ? scene.date->compact() : "00000000";
        const std::string iso = scene.date ? scene.date->iso() : "";
        const std::string stem = split + "/" + id + "_" + compact + "_";
        RasterSpec l8 = float_spec(lr_grid, reflectance_role_names());
        l8.metadata = {{"LSSR_PRODUCT", scene.id},
                       {"ACQUISITION_DATE", iso},
                       {"LSSR_SELF_PAIRS", std::string("3x ") + psf_name(o_.psf) + " degradation of the scene"}};
        RasterSpec s2 = float_spec(hr_grid, reflectance_role_names());
        s2.metadata = {{"LSSR_PRODUCT", scene.id}, {"ACQUISITION_DATE", iso}, {"LSSR_SELF_PAIRS", "the scene"}};
        write(stem + "L8.tif", l8, lr);
        write(stem + "S2.tif", s2, hr);
        if (side_.dem) write(stem + "DEM.tif", float_spec(hr_grid, {"elevation"}), dem);
        if (side_.landcover) write(stem + "LC.tif", landcover_spec(hr_grid, side_.landcover_nodata), lc);

        nlohmann::ordered_json files = nlohmann::ordered_json::object();
        files["L8"] = stem + "L8.tif";
        files["S2"] = stem + "S2.tif";
        if (side_.dem) files["DEM"] = stem + "DEM.tif";
        if (side_.landcover) files["LC"] = stem + "LC.tif";
        const auto lonlat = center_lonlat(hr_grid);
        const nlohmann::ordered_json date = iso.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(iso);
        const nlohmann::ordered_json line{{"id", id},
                                          {"split", split},
                                          {"files", files},
                                          {"pair", scene.id},
                                          {"lr", {{"sensor", "self-pairs"}, {"id", scene.id}, {"date", date}}},
                                          {"hr", {{"sensor", "self-pairs"}, {"id", scene.id}, {"date", date}}},
                                          {"month", scene.date ? scene.date->month : 0},
                                          {"center_lon", lonlat[0]},
                                          {"center_lat", lonlat[1]},
                                          {"nodata_fraction", nodata},
                                          {"cloud_fraction", nullptr},  // not screened: no QA band
                                          {"lr_grid", grid_to_json(lr_grid)},
                                          {"hr_grid", grid_to_json(hr_grid)},
                                          {"self_pairs", true},
                                          {"psf", psf_name(o_.psf)},
                                          {"scene", scene.path}};
        index_ << line.dump() << "\n";
        ++summary_.kept;
        ++(test ? summary_.test : summary_.train);
        return true;
    }

    void write(const std::string& relative, const RasterSpec& spec, const RasterBlock& block) {
        write_raster((fs::path(root_) / relative).string(), spec, block, OutputOptions{});
    }

    const SelfPairsOptions& o_;
    std::string root_;
    const ElevationAndLandcover& side_;
    SelfPairsSummary& summary_;
    std::ofstream& index_;
};

}  // namespace

Psf parse_psf(const std::string& name) {
    if (name == "box") return Psf::Box;
    if (name == "gaussian") return Psf::Gaussian;
    throw OptionError("--psf must be box or gaussian, not '" + name + "'");
}

const char* psf_name(Psf psf) { return psf == Psf::Box ? "box" : "gaussian"; }

RasterBlock degrade_3x(const RasterBlock& hr, const Window& inner, Psf psf) {
    const int lw = inner.width / kScaleFactor, lh = inner.height / kScaleFactor;
    RasterBlock lr(hr.bands, lw, lh);
    // Weights of HR offsets -reach..reach from a block's centre pixel (separable).
    std::vector<double> weight;
    const int reach = psf == Psf::Gaussian ? kGaussianReach : 1;
    for (int d = -reach; d <= reach; ++d)
        weight.push_back(psf == Psf::Gaussian ? std::exp(-d * d / (2 * kSigmaHr * kSigmaHr)) : 1.0);
    for (int b = 0; b < hr.bands; ++b)
        for (int i = 0; i < lh; ++i)
            for (int j = 0; j < lw; ++j) {
                const int cr = inner.row + kScaleFactor * i + 1, cc = inner.col + kScaleFactor * j + 1;  // centre pixel
                bool block_missing = false;
                for (int r = cr - 1; r <= cr + 1; ++r)
                    for (int c = cc - 1; c <= cc + 1; ++c) block_missing |= std::isnan(hr.at(b, r, c));
                if (block_missing) {
                    lr.at(b, i, j) = NAN;
                    continue;
                }
                double sum = 0, total = 0;
                for (int dr = -reach; dr <= reach; ++dr) {
                    const int r = cr + dr;
                    if (r < 0 || r >= hr.height) continue;
                    for (int dc = -reach; dc <= reach; ++dc) {
                        const int c = cc + dc;
                        if (c < 0 || c >= hr.width) continue;
                        const float v = hr.at(b, r, c);
                        if (std::isnan(v)) continue;
                        const double w = weight[dr + reach] * weight[dc + reach];
                        sum += w * v;
                        total += w;
                    }
                }
                lr.at(b, i, j) = static_cast<float>(sum / total);
            }
    return lr;
}

std::optional<Date> date_in_name(const std::string& path) {
    static const std::regex token(R"((?:^|[^0-9])(\d{4}-\d{2}-\d{2}|\d{8})(?=[^0-9]|$))");
    const std::string name = fs::path(path).filename().string();
    for (auto it = std::sregex_iterator(name.begin(), name.end(), token); it != std::sregex_iterator(); ++it)
        if (auto d = parse_date((*it)[1].str())) return d;
    return std::nullopt;
}

SelfPairsSummary build_self_pairs(const SelfPairsOptions& options, const Progress& progress) {
    validate(options);
    // Refuse an existing output before any work; nothing appears unless all succeeds.
    StagedDirectory staged(options.out_dir, options.overwrite);
    for (const std::string* p : {&options.dem, &options.landcover})
        if (!p->empty() && !path_exists(*p)) throw InputError(*p + ": no such file");

    // Every scene is opened and checked before a patch is cut.
    DatasetCache files;
    std::vector<Scene> scenes;
    std::set<std::string> ids;
    for (const std::string& path : options.scenes) {
        scenes.push_back(open_scene(files, path, options));
        if (!ids.insert(scenes.back().id).second)
            throw InputError(path + ": another scene has the same file stem (" + scenes.back().id +
                             "); sample names derive from it");
    }
    const ElevationAndLandcover side = open_elevation_and_landcover(files, options.dem, options.landcover);
    for (const Scene& s : scenes) {
        const std::string where = "scene " + s.path;
        if (side.dem)
            check_side_layer(*side.dem->dataset, side.dem->path, {1}, side.dem->scaling.nodata, s.grid.bounds(),
                             s.grid.crs_wkt, "the DEM", where);
        if (side.landcover)
            check_side_layer(*side.landcover->dataset, side.landcover->path, {1},
                             side.landcover->scaling.nodata, s.grid.bounds(), s.grid.crs_wkt, "land cover", where);
    }

    for (const char* split : {"train", "test"}) fs::create_directories(fs::path(staged.temp_path()) / split);
    std::ofstream index(fs::path(staged.temp_path()) / "index.jsonl");
    SelfPairsSummary summary;
    summary.scenes = static_cast<int>(scenes.size());
    SelfPairTiler tiler(options, staged.temp_path(), side, summary, index);
    for (size_t i = 0; i < scenes.size(); ++i) {
        if (!scenes[i].date) ++summary.scenes_without_date;
        tiler.run(scenes[i], scaled(progress, static_cast<double>(i) / scenes.size(),
                                    static_cast<double>(i + 1) / scenes.size()));
    }
    index.close();
    if (!index) throw OutputError(options.out_dir + ": cannot write index.jsonl");
    if (summary.kept == 0)
        throw InputError(fmt::format("{}: no usable patches: {} candidate patch(es), {} skipped for nodata "
                                     "(> --max-nodata {})",
                                     options.scenes.front(), summary.candidates, summary.skipped_nodata,
                                     options.max_nodata));
    staged.commit();
    return summary;
}

}  // namespace lssr::io
