#include "libio/products/scan.hpp"

#include <cpl_vsi.h>
#include <gdal_priv.h>
#include <ogr_spatialref.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

#include "libio/core/errors.hpp"
#include "libio/gdal/gdal_dataset.hpp"
#include "libio/products/products.hpp"
#include "libio/core/text.hpp"

namespace fs = std::filesystem;

namespace lssr::io {
namespace {

struct FoundFile {
    std::string path;
    bool named = false;  // given as an input, not found in a folder
};

bool is_virtual(const std::string& path) { return path.rfind("/vsi", 0) == 0; }

bool has_raster_extension(const std::string& path) {
    const auto dot = path.find_last_of('.');
    if (dot == std::string::npos || path.find('/', dot) != std::string::npos) return false;
    const std::string ext = ascii_lower(path.substr(dot + 1));
    return ext == "tif" || ext == "tiff" || ext == "jp2" || ext == "vrt";
}

void list_virtual_folder(const std::string& dir, std::vector<FoundFile>& out) {
    char** names = VSIReadDirRecursive(dir.c_str());
    const std::string base = dir.back() == '/' ? dir : dir + "/";
    for (char** n = names; n && *n; ++n) {
        const std::string path = base + *n;
        VSIStatBufL stat;
        if (VSIStatL(path.c_str(), &stat) == 0 && !VSI_ISDIR(stat.st_mode)) out.push_back({path, false});
    }
    CSLDestroy(names);
}

void list_local_folder(const std::string& dir, std::vector<FoundFile>& out) {
    std::error_code ec;
    const auto options = fs::directory_options::follow_directory_symlink |
                         fs::directory_options::skip_permission_denied;
    for (auto it = fs::recursive_directory_iterator(dir, options, ec); !ec && it != fs::end(it);
         it.increment(ec)) {
        std::error_code type_ec;
        if (it->is_regular_file(type_ec)) out.push_back({it->path().string(), false});
    }
    if (ec) throw InputError(dir + ": cannot list the folder: " + ec.message());
}

std::vector<FoundFile> expand_inputs(const std::vector<std::string>& inputs) {
    std::vector<FoundFile> files;
    for (const auto& input : inputs) {
        if (input.empty()) continue;
        VSIStatBufL stat;
        if (VSIStatL(input.c_str(), &stat) != 0) throw InputError(input + ": no such file or directory");
        if (!VSI_ISDIR(stat.st_mode)) files.push_back({input, true});
        else if (is_virtual(input)) list_virtual_folder(input, files);
        else list_local_folder(input, files);
    }
    // The same file reached twice (a folder and a file in it) counts once, as named.
    std::map<std::string, FoundFile> unique;
    for (const auto& f : files) {
        const std::string key = is_virtual(f.path) ? f.path : fs::path(f.path).lexically_normal().string();
        auto [it, fresh] = unique.emplace(key, f);
        if (!fresh && f.named) it->second.named = true;
    }
    std::vector<FoundFile> out;
    for (auto& [key, f] : unique) out.push_back(f);
    return out;
}

struct ProductFile {
    std::string path;
    ProductName name;
};

// Band descriptions of a stack, opened once.
std::vector<std::string> band_descriptions(GDALDataset& ds) {
    std::vector<std::string> out;
    for (int b = 1; b <= ds.GetRasterCount(); ++b) out.emplace_back(ds.GetRasterBand(b)->GetDescription());
    return out;
}

// Footprint from the geotransform, or from the GCPs of a file in radar geometry
// (Sentinel-1 SAFE measurement files carry only GCPs).
void read_footprint(const std::string& path, ScannedScene& out) {
    DatasetPtr ds = open_raster(path);
    double gt[6];
    if (ds->GetGeoTransform(gt) != CE_None && ds->GetGCPCount() > 0 && ds->GetGCPSpatialRef()) {
        char* wkt = nullptr;
        ds->GetGCPSpatialRef()->exportToWkt(&wkt);
        out.crs_wkt = wkt ? wkt : "";
        CPLFree(wkt);
        const GDAL_GCP* gcps = ds->GetGCPs();
        Bounds b{gcps[0].dfGCPX, gcps[0].dfGCPY, gcps[0].dfGCPX, gcps[0].dfGCPY};
        for (int i = 1; i < ds->GetGCPCount(); ++i) {
            b.min_x = std::min(b.min_x, gcps[i].dfGCPX);
            b.max_x = std::max(b.max_x, gcps[i].dfGCPX);
            b.min_y = std::min(b.min_y, gcps[i].dfGCPY);
            b.max_y = std::max(b.max_y, gcps[i].dfGCPY);
        }
        out.native_bounds = b;
        static const std::string wgs84 = crs_from_user_input("EPSG:4326");
        out.footprint = transform_bounds(b, out.crs_wkt, wgs84);
        return;
    }
    const Grid grid = grid_of(*ds, path);
    out.crs_wkt = grid.crs_wkt;
    out.native_bounds = grid.bounds();
    out.footprint = footprint_lonlat(grid);
}

class SceneBuilder {
public:
    explicit SceneBuilder(std::vector<std::string>& warnings) : warnings_(warnings) {}

    void add(const ProductFile& file) {
        if (file.name.is_stack()) add_stack(file);
        else add_band_file(file);
    }

    // The scene, or nullopt (with a warning) when none of its files could be used.
    std::optional<ScannedScene> finish() {
        if (!first_) return std::nullopt;
        ScannedScene out;
        SceneRef& s = out.scene;
        const ProductName& n = *first_;
        s.id = n.scene_id;
        s.sensor = n.sensor;
        s.level = n.level;
        s.date = n.date.iso();
        s.datetime = n.datetime;
        s.tile = n.tile;
        s.paths.assign(paths_.begin(), paths_.end());
        for (const auto& [role, chosen] : bands_) s.bands[role] = chosen.ref;
        // All bands of a product share its extent; the red band is as good as any.
        std::string footprint_file = s.paths.front();
        if (s.has("red")) footprint_file = s.bands.at("red").path;
        else if (!s.bands.empty()) footprint_file = s.bands.begin()->second.path;
        try {
            read_footprint(footprint_file, out);
        } catch (const Error& e) {
            warnings_.push_back(std::string(e.what()) + " (scene " + s.id + " skipped)");
            return std::nullopt;
        }
        if (measurement_files_)
            warnings_.push_back(s.id +
                                ": Sentinel-1 SAFE measurement files hold uncalibrated amplitude in radar "
                                "geometry; the suite expects terrain-corrected backscatter in dB");
        return out;
    }

private:
    struct Chosen {
        BandRef ref;
        int resolution_m = 0;
    };

    void note(const ProductName& name, const std::string& path) {
        if (!first_) first_ = name;
        paths_.insert(path);
    }

    void add_band_file(const ProductFile& file) {
        note(file.name, file.path);
        if (file.name.mission == Mission::Sentinel1 && file.path.find("/measurement/") != std::string::npos)
            measurement_files_ = true;
        if (file.name.role.empty()) return;
        const Chosen candidate{BandRef{file.path, 1, default_scaling(file.name, file.name.role)},
                               file.name.resolution_m};
        choose(file.name.role, candidate);
    }

    void add_stack(const ProductFile& file) {
        std::vector<std::string> descriptions;
        try {
            DatasetPtr ds = open_raster(file.path);
            descriptions = band_descriptions(*ds);
        } catch (const Error& e) {
            warnings_.push_back(e.what());
            return;
        }
        std::string why;
        const auto roles = stack_roles(file.name, descriptions, why);
        if (!roles) {
            warnings_.push_back(file.path + ": cannot tell its bands apart: " + why);
            return;
        }
        note(file.name, file.path);
        for (const auto& [role, band] : *roles)
            choose(role, Chosen{BandRef{file.path, band, default_scaling(file.name, role)}, 0});
    }

    // Sentinel-2 products hold some bands at several resolutions: keep the finest.
    void choose(const std::string& role, const Chosen& candidate) {
        auto it = bands_.find(role);
        if (it == bands_.end()) {
            bands_.emplace(role, candidate);
            return;
        }
        Chosen& held = it->second;
        if (candidate.resolution_m > 0 && held.resolution_m > 0) {
            if (candidate.resolution_m < held.resolution_m) held = candidate;
            return;
        }
        warnings_.push_back(candidate.ref.path + ": a second " + role + " band for scene " + first_->scene_id +
                            " (" + held.ref.path + " is used)");
    }

    std::vector<std::string>& warnings_;
    std::optional<ProductName> first_;
    std::set<std::string> paths_;
    std::map<std::string, Chosen> bands_;
    bool measurement_files_ = false;
};

}  // namespace

std::vector<ScannedScene> scan_scenes(const std::vector<std::string>& inputs, std::vector<std::string>& warnings,
                                      const Progress& progress) {
    ensure_gdal_registered();
    const std::vector<FoundFile> files = expand_inputs(inputs);

    // Group product files by scene (ID and level: bare Sentinel-2 L1C and L2A band
    // files of one acquisition share a tile and time).
    std::map<std::string, std::vector<ProductFile>> groups;
    for (const auto& f : files) {
        const NameParse parsed = parse_product_name(f.path);
        switch (parsed.status) {
            case NameStatus::Product:
                groups[parsed.product.scene_id + "|" + parsed.product.level].push_back({f.path, parsed.product});
                break;
            case NameStatus::Sidecar: break;
            case NameStatus::Rejected:
                warnings.push_back(f.path + ": cannot parse product name (" + parsed.reason + ")");
                break;
            case NameStatus::Unknown:
                if (f.named || has_raster_extension(f.path))
                    warnings.push_back(f.path + ": cannot parse product name");
                break;
        }
    }

    std::vector<ScannedScene> scenes;
    size_t done = 0;
    for (const auto& [key, group] : groups) {
        report(progress, static_cast<double>(done++) / static_cast<double>(groups.size()), "reading footprints");
        SceneBuilder builder(warnings);
        for (const auto& file : group) builder.add(file);
        if (auto scene = builder.finish()) scenes.push_back(std::move(*scene));
    }
    report(progress, 1.0, "scanned");
    std::sort(scenes.begin(), scenes.end(), [](const ScannedScene& a, const ScannedScene& b) {
        return std::tie(a.scene.id, a.scene.level) < std::tie(b.scene.id, b.scene.level);
    });
    return scenes;
}

}  // namespace lssr::io
