#include "libeval/samples.hpp"

#include <gdal_priv.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <map>
#include <set>

#include "libio/core/errors.hpp"
#include "libio/gdal/reflectance.hpp"
#include "libio/gdal/finite_values.hpp"
#include "libeval/quality_metrics.hpp"
#include "libio/core/scale.hpp"

namespace fs = std::filesystem;

namespace lssr::io {
namespace {

bool is_raster_file(const fs::path& p) {
    std::string ext = p.extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
    return ext == ".tif" || ext == ".tiff";
}

bool has_suffix(const std::string& path, const std::string& suffix) {
    const std::string stem = fs::path(path).stem().string();
    return stem.size() >= suffix.size() && stem.compare(stem.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Sample name -> file of a folder, preferring names ending in `preferred`.
std::map<std::string, std::string> folder_samples(const std::string& dir, const std::string& preferred) {
    std::map<std::string, std::vector<std::string>> by_name;
    for (const auto& entry : fs::directory_iterator(dir))
        if (entry.is_regular_file() && is_raster_file(entry.path()))
            by_name[sample_name(entry.path().string())].push_back(entry.path().string());
    std::map<std::string, std::string> chosen;
    for (auto& [name, files] : by_name) {
        std::sort(files.begin(), files.end());
        if (files.size() == 1) {
            chosen[name] = files[0];
            continue;
        }
        std::vector<std::string> preferred_files;
        for (const std::string& f : files)
            if (has_suffix(f, preferred)) preferred_files.push_back(f);
        if (preferred_files.size() != 1)
            throw InputError(dir + ": sample " + name + " has several files (" + files[0] + ", " + files[1] +
                             "); expected one ending in " + preferred);
        chosen[name] = preferred_files[0];
    }
    return chosen;
}

bool is_folder(const std::string& path) {
    std::error_code ec;
    return fs::is_directory(path, ec);
}

}  // namespace

std::string sample_name(const std::string& path) {
    const std::string stem = fs::path(path).stem().string();
    const size_t cut = stem.rfind('_');
    return cut == std::string::npos || cut == 0 ? stem : stem.substr(0, cut);
}

std::vector<SampleFiles> match_samples(const std::string& pred, const std::string& ref,
                                       const std::string& lr, std::vector<std::string>& unmatched) {
    const bool with_lr = !lr.empty();
    const bool folders = is_folder(pred);
    if (is_folder(ref) != folders || (with_lr && is_folder(lr) != folders))
        throw InputError(pred + ", " + ref + (with_lr ? ", " + lr : "") +
                         ": give files or folders, not a mix");
    if (!folders) {
        for (const std::string* p : {&pred, &ref, &lr})
            if (!p->empty() && !path_exists(*p)) throw InputError(*p + ": no such file");
        return {SampleFiles{sample_name(pred), pred, ref, lr}};
    }
    const auto preds = folder_samples(pred, "_SR");
    const auto refs = folder_samples(ref, "_S2");
    const auto lrs = with_lr ? folder_samples(lr, "_L8") : std::map<std::string, std::string>{};
    std::vector<SampleFiles> samples;
    for (const auto& [name, file] : preds) {
        const auto r = refs.find(name);
        const auto l = lrs.find(name);
        if (r == refs.end()) {
            unmatched.push_back(file + ": no reference for sample " + name + " in " + ref);
        } else if (with_lr && l == lrs.end()) {
            unmatched.push_back(file + ": no LR input for sample " + name + " in " + lr);
        } else {
            samples.push_back({name, file, r->second, with_lr ? l->second : ""});
        }
    }
    for (const auto& [name, file] : refs)
        if (!preds.count(name)) unmatched.push_back(file + ": no prediction for sample " + name + " in " + pred);
    if (samples.empty()) throw InputError(pred + ", " + ref + ": no sample matched by name");
    return samples;
}

SampleMetrics evaluate_sample(const SampleFiles& files) {
    SampleMetrics m;
    Grid pred_grid, ref_grid;
    const RasterBlock pred = read_reflectance(files.pred, pred_grid, &m.invalid_pred);
    const RasterBlock ref = read_reflectance(files.ref, ref_grid, &m.invalid_ref);
    if (!same_grid(pred_grid, ref_grid))
        throw InputError(files.pred + ", " + files.ref + ": the prediction and the reference are on different grids");
    m.name = files.name;
    m.psnr_rgb = psnr(pred, ref, kRgbBands);
    m.ssim_rgb = ssim(pred, ref, kRgbBands);
    m.psnr_ir = psnr(pred, ref, kInfraredBands);
    m.ssim_ir = ssim(pred, ref, kInfraredBands);
    m.sam_deg = sam_degrees(pred, ref);
    m.ndvi_mse = io::ndvi_mse(pred, ref);
    m.consistency_mae = std::numeric_limits<double>::quiet_NaN();
    if (!files.lr.empty()) {
        Grid lr_grid;
        const RasterBlock lr = read_reflectance(files.lr, lr_grid, &m.invalid_lr);
        if (!same_grid(lr_grid.refined(kScaleFactor), pred_grid))
            throw InputError(files.lr + ", " + files.pred +
                             ": the LR grid is not the prediction's grid coarsened 3x");
        m.consistency_mae = io::consistency_mae(pred, lr);
    }
    return m;
}

const std::vector<std::string>& metric_names() {
    static const std::vector<std::string> names{"psnr_rgb", "ssim_rgb", "psnr_ir",        "ssim_ir",
                                                "sam_deg",  "ndvi_mse", "consistency_mae"};
    return names;
}

double metric_value(const SampleMetrics& m, const std::string& name) {
    if (name == "psnr_rgb") return m.psnr_rgb;
    if (name == "ssim_rgb") return m.ssim_rgb;
    if (name == "psnr_ir") return m.psnr_ir;
    if (name == "ssim_ir") return m.ssim_ir;
    if (name == "sam_deg") return m.sam_deg;
    if (name == "ndvi_mse") return m.ndvi_mse;
    if (name == "consistency_mae") return m.consistency_mae;
    throw std::invalid_argument("unknown metric " + name);
}

}  // namespace lssr::io
