#include "libio/gdal/reflectance.hpp"

#include <gdal_priv.h>

#include <algorithm>
#include <cmath>

#include "libio/gdal/finite_values.hpp"
#include "libio/gdal/sampling.hpp"

namespace lssr::io {

std::vector<BandScaling> reflectance_scalings(GDALDataset& dataset, const std::vector<int>& bands) {
    std::vector<BandScaling> scalings;
    for (int b : bands) scalings.push_back(resolve_scaling(*dataset.GetRasterBand(b), BandScaling{}).scaling);
    return scalings;
}

ReflectanceReader::ReflectanceReader(std::vector<OpenBand> reflectance, std::optional<OpenBand> qa,
                                     std::string qa_role)
    : bands_(std::move(reflectance)), qa_(std::move(qa)), qa_role_(std::move(qa_role)) {}

ReflectanceReader ReflectanceReader::stack(DatasetCache& cache, const std::string& path) {
    const auto ds = cache.open(path);
    const auto roles = reflectance_bands(*ds, path);
    const std::vector<int> numbers(roles.begin(), roles.end());
    const auto scalings = reflectance_scalings(*ds, numbers);
    std::vector<OpenBand> bands;
    for (size_t i = 0; i < numbers.size(); ++i) bands.push_back(OpenBand{ds, path, numbers[i], scalings[i]});
    return ReflectanceReader(std::move(bands));
}

std::vector<BandScaling> ReflectanceReader::scalings() const {
    std::vector<BandScaling> out;
    for (const OpenBand& b : bands_) out.push_back(b.scaling);
    return out;
}

Grid ReflectanceReader::grid() const { return grid_of(*bands_.front().dataset, bands_.front().path); }

RasterBlock ReflectanceReader::read(const Window& window, std::vector<bool>* invalid) const {
    RasterBlock out(static_cast<int>(bands_.size()), window.width, window.height);
    // The bands of one file in one read (a stack costs one RasterIO call), files in role order.
    std::vector<bool> done(bands_.size(), false);
    for (size_t i = 0; i < bands_.size(); ++i) {
        if (done[i]) continue;
        std::vector<size_t> roles;
        std::vector<int> numbers;
        for (size_t j = i; j < bands_.size(); ++j)
            if (!done[j] && bands_[j].path == bands_[i].path) {
                done[j] = true;
                roles.push_back(j);
                numbers.push_back(bands_[j].band);
            }
        const RasterBlock part = read_block(*bands_[i].dataset, numbers, window, bands_[i].path);
        for (size_t k = 0; k < roles.size(); ++k)
            std::copy_n(part.band(static_cast<int>(k)), part.plane(), out.band(static_cast<int>(roles[k])));
    }
    std::vector<bool> not_finite = scale_in_place(out, scalings());  // nodata and non-finite values -> NaN
    if (invalid) *invalid = std::move(not_finite);
    return out;
}

RasterBlock ReflectanceReader::read_qa(const Window& window) const {
    return read_block(*qa_->dataset, {qa_->band}, window, qa_->path);
}

RasterBlock ReflectanceReader::sample(const Grid& target) const {
    RasterBlock out(static_cast<int>(bands_.size()), target.width, target.height);
    for (size_t b = 0; b < bands_.size(); ++b) {
        const OpenBand& band = bands_[b];
        RasterBlock one = sample_onto(*band.dataset, band.path, {band.band}, target, LayerKind::Continuous,
                                      band.scaling.nodata);
        apply_scalings(one, {band.scaling});
        std::copy(one.data.begin(), one.data.end(), out.band(static_cast<int>(b)));
    }
    return out;
}

RasterBlock ReflectanceReader::sample_qa(const Grid& target) const {
    // QA values are bit fields and classes: copy or pick, never interpolate.
    return sample_onto(*qa_->dataset, qa_->path, {qa_->band}, target, LayerKind::Categorical, std::nullopt,
                       Resampling::Nearest);
}

RasterBlock read_reflectance(const std::string& path, Grid& grid, size_t* invalid_pixels) {
    DatasetCache cache;
    grid = grid_of(*cache.open(path), path);
    const ReflectanceReader reader = ReflectanceReader::stack(cache, path);
    std::vector<bool> invalid;
    RasterBlock block = reader.read(Window{0, 0, grid.width, grid.height}, &invalid);
    // A pixel with a value that is not finite is left out of every metric, in every band.
    size_t count = 0;
    for (size_t i = 0; i < block.plane(); ++i)
        if (invalid[i]) {
            ++count;
            for (int b = 0; b < block.bands; ++b) block.band(b)[i] = NAN;
        }
    if (invalid_pixels) *invalid_pixels = count;
    return block;
}

}  // namespace lssr::io
