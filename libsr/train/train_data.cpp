#include "libsr/train/train_data.hpp"

#include <gdal_priv.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <regex>

#include "libio/core/errors.hpp"
#include "libio/gdal/gdal_dataset.hpp"
#include "libio/gdal/raster.hpp"
#include "libio/core/scale.hpp"

namespace fs = std::filesystem;

namespace lssr::sr {
namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// The month of the last _YYYYMMDD token of a prefix (0 when none).
int month_of(const std::string& name) {
    static const std::regex date(R"(_(\d{4})(\d{2})(\d{2})(?=_|$))");
    int month = 0;
    for (auto it = std::sregex_iterator(name.begin(), name.end(), date); it != std::sregex_iterator(); ++it) {
        const int m = std::stoi((*it)[2].str());
        if (m >= 1 && m <= 12) month = m;
    }
    return month;
}

std::string existing(const std::string& path) { return fs::exists(path) ? path : std::string(); }

// The bands of a file as [n,H,W] float32, nodata -> NaN.
torch::Tensor read_bands(const std::string& path, const std::vector<int>& bands) {
    auto ds = io::open_raster(path);
    const int W = ds->GetRasterXSize(), H = ds->GetRasterYSize();
    auto block = io::read_block(*ds, bands, io::Window{0, 0, W, H}, path);
    auto t = torch::from_blob(block.data.data(), {static_cast<int64_t>(bands.size()), H, W}, torch::kFloat32).clone();
    for (size_t i = 0; i < bands.size(); ++i) {
        int has = 0;
        const double nodata = ds->GetRasterBand(bands[i])->GetNoDataValue(&has);
        if (has && !std::isnan(nodata)) {
            auto plane = t[static_cast<int64_t>(i)];
            plane.masked_fill_(plane == static_cast<float>(nodata), NAN);
        }
    }
    return t;
}

int band_count(const std::string& path) { return io::open_raster(path)->GetRasterCount(); }

torch::Tensor read_reflectance(const std::string& path, bool hr) {
    const int n = band_count(path);
    std::vector<int> bands;
    if (n == 6) bands = {1, 2, 3, 4, 5, 6};
    else if (!hr && n == 7) bands = {2, 3, 4, 5, 6, 7};          // SR_B1..B7 -> B2..B7
    else if (hr && n == 12) bands = {2, 3, 4, 8, 11, 12};        // B1..B8,B8A,B9,B11,B12
    else
        throw InputError(path + ": " + std::to_string(n) + " bands; expected 6 (blue..swir2) or " +
                         (hr ? "12 (Sentinel-2 L2A B1..B12)" : "7 (Landsat SR_B1..B7)"));
    auto t = read_bands(path, bands);
    // The authors' preprocessing: NaN -> 0, clamp to [0,1].
    return torch::nan_to_num(t, 0.0, 0.0, 0.0).clamp(0.0, 1.0);
}

void check_size(const torch::Tensor& t, int64_t H, int64_t W, const std::string& path) {
    if (t.size(1) != H || t.size(2) != W)
        throw InputError(path + ": " + std::to_string(t.size(2)) + "x" + std::to_string(t.size(1)) +
                         " pixels; expected " + std::to_string(W) + "x" + std::to_string(H) +
                         " (3x the LR patch)");
}

torch::Tensor flip(const torch::Tensor& t, bool h, bool v) {
    if (!t.defined()) return t;
    std::vector<int64_t> dims;
    if (v) dims.push_back(t.dim() - 2);
    if (h) dims.push_back(t.dim() - 1);
    return dims.empty() ? t : t.flip(dims);
}

torch::Tensor crop_hw(const torch::Tensor& t, int64_t row, int64_t col, int64_t size) {
    if (!t.defined()) return t;
    return t.slice(t.dim() - 2, row, row + size).slice(t.dim() - 1, col, col + size);
}

}  // namespace

std::vector<SampleFiles> scan_dataset(const std::vector<std::string>& dirs, const std::string& split) {
    std::vector<SampleFiles> out;
    for (const auto& dir : dirs) {
        if (!fs::is_directory(dir)) throw InputError(dir + ": not a folder (expected an LSSR dataset)");
        fs::path root(dir);
        if (!split.empty() && fs::is_directory(root / split)) root /= split;
        size_t found = 0;
        std::vector<fs::path> files;
        for (const auto& e : fs::directory_iterator(root))
            if (e.is_regular_file() && ends_with(e.path().filename().string(), "_S2.tif")) files.push_back(e.path());
        std::sort(files.begin(), files.end());
        for (const auto& hr : files) {
            const auto s = hr.string();
            SampleFiles f;
            f.prefix = s.substr(0, s.size() - 7);
            f.hr = s;
            f.lr = existing(f.prefix + "_L8.tif");
            if (f.lr.empty()) throw InputError(s + ": no matching " + f.prefix + "_L8.tif");
            f.dem = existing(f.prefix + "_DEM.tif");
            f.landcover = existing(f.prefix + "_LC.tif");
            f.s1 = existing(f.prefix + "_S1.tif");
            f.month = month_of(fs::path(f.prefix).filename().string());
            out.push_back(std::move(f));
            ++found;
        }
        if (found == 0)
            throw InputError(root.string() + ": no samples (<id>_<YYYYMMDD>_S2.tif with _L8.tif) found");
    }
    return out;
}

TrainSample load_sample(const SampleFiles& files) {
    TrainSample s;
    s.lr = read_reflectance(files.lr, false);
    s.hr = read_reflectance(files.hr, true);
    const int64_t H = s.lr.size(1) * kScaleFactor, W = s.lr.size(2) * kScaleFactor;
    check_size(s.hr, H, W, files.hr);
    if (!files.dem.empty()) {
        s.dem = read_bands(files.dem, {1});
        check_size(s.dem, H, W, files.dem);
    }
    if (!files.landcover.empty()) {
        s.landcover = read_bands(files.landcover, {1});
        check_size(s.landcover, H, W, files.landcover);
    }
    if (!files.s1.empty()) {
        if (band_count(files.s1) < 2) throw InputError(files.s1 + ": Sentinel-1 needs 2 bands (VV, VH in dB)");
        s.s1 = read_bands(files.s1, {1, 2});
        check_size(s.s1, H, W, files.s1);
    }
    s.month = files.month;
    return s;
}

TrainSample augment(const TrainSample& sample, int64_t crop, bool flips, at::Generator& gen) {
    TrainSample s = sample;
    const int64_t h = s.lr.size(1), w = s.lr.size(2);
    if (crop > 0 && (crop < h || crop < w)) {
        const int64_t c = std::min({crop, h, w});
        const int64_t row = torch::randint(h - c + 1, {1}, gen).item<int64_t>();
        const int64_t col = torch::randint(w - c + 1, {1}, gen).item<int64_t>();
        s.lr = crop_hw(s.lr, row, col, c);
        for (auto* t : {&s.hr, &s.dem, &s.landcover, &s.s1}) *t = crop_hw(*t, row * kScaleFactor, col * kScaleFactor, c * kScaleFactor);
    }
    if (flips) {
        const auto coins = torch::rand({2}, gen);
        const bool h_flip = coins[0].item<float>() < 0.5f, v_flip = coins[1].item<float>() < 0.5f;
        for (auto* t : {&s.lr, &s.hr, &s.dem, &s.landcover, &s.s1}) *t = flip(*t, h_flip, v_flip);
    }
    return s;
}

TrainBatch collate(const std::vector<TrainSample>& samples) {
    TrainBatch b;
    if (samples.empty()) return b;
    auto stack = [&](torch::Tensor TrainSample::*member) {
        std::vector<torch::Tensor> parts;
        for (const auto& s : samples) {
            if (!(s.*member).defined()) return torch::Tensor();
            parts.push_back((s.*member).contiguous());
        }
        return torch::stack(parts);
    };
    b.lr = stack(&TrainSample::lr);
    b.hr = stack(&TrainSample::hr);
    b.dem = stack(&TrainSample::dem);
    b.landcover = stack(&TrainSample::landcover);
    b.s1 = stack(&TrainSample::s1);
    std::vector<int64_t> months;
    for (const auto& s : samples) months.push_back(s.month);
    b.month = torch::tensor(months, torch::kInt64);
    return b;
}

}  // namespace lssr::sr
