#include "libio/gdal/bands.hpp"

#include "libio/core/errors.hpp"
#include "libio/core/text.hpp"

#include <gdal_priv.h>

#include <cctype>
#include <cmath>
#include <cstdio>

namespace lssr::io {

std::string_view role_name(BandRole role) {
    switch (role) {
        case BandRole::Blue: return "blue";
        case BandRole::Green: return "green";
        case BandRole::Red: return "red";
        case BandRole::Nir: return "nir";
        case BandRole::Swir1: return "swir1";
        case BandRole::Swir2: return "swir2";
    }
    return "?";
}

namespace {

std::string trimmed(std::string_view text) {
    const auto first = text.find_first_not_of(" \t\r\n");
    if (first == std::string_view::npos) return {};
    const auto last = text.find_last_not_of(" \t\r\n");
    return std::string(text.substr(first, last - first + 1));
}

std::string joined(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& item : items) out += (out.empty() ? "" : ", ") + (item.empty() ? std::string("(none)") : item);
    return out;
}

}  // namespace

std::optional<BandRole> parse_role(std::string_view text) {
    const std::string lower = ascii_lower(trimmed(text));
    for (BandRole role : kReflectanceRoles)
        if (lower == role_name(role)) return role;
    return std::nullopt;
}

std::array<int, 6> reflectance_bands(const std::vector<std::string>& descriptions, const std::string& path) {
    std::array<int, 6> bands{};
    bool named = false;
    for (size_t i = 0; i < descriptions.size(); ++i) {
        const auto role = parse_role(descriptions[i]);
        if (!role) continue;  // coastal, thermal, QA, no description, ...
        int& slot = bands[static_cast<size_t>(*role)];
        const int band = static_cast<int>(i) + 1;
        if (slot != 0)
            throw InputError(path + ": bands " + std::to_string(slot) + " and " + std::to_string(band) +
                             " are both described as '" + std::string(role_name(*role)) + "'");
        slot = band;
        named = true;
    }
    if (named) {
        for (BandRole role : kReflectanceRoles)
            if (bands[static_cast<size_t>(role)] == 0)
                throw InputError(path + ": no band is described as '" + std::string(role_name(role)) +
                                 "' (band descriptions: " + joined(descriptions) +
                                 "); descriptions must name all of blue, green, red, nir, swir1, swir2");
        return bands;
    }
    if (descriptions.size() != bands.size())
        throw InputError(path + ": has " + std::to_string(descriptions.size()) +
                         " band(s) and no band descriptions naming roles; need 6 bands in the order blue, "
                         "green, red, nir, swir1, swir2, or descriptions naming them (a Landsat stack with "
                         "coastal first: describe the bands, or keep bands 2-7 with gdal_translate -b)");
    for (size_t i = 0; i < bands.size(); ++i) bands[i] = static_cast<int>(i) + 1;
    return bands;
}

std::array<int, 6> reflectance_bands(GDALDataset& dataset, const std::string& path) {
    std::vector<std::string> descriptions;
    for (int b = 1; b <= dataset.GetRasterCount(); ++b)
        descriptions.emplace_back(dataset.GetRasterBand(b)->GetDescription());
    return reflectance_bands(descriptions, path);
}

ResolvedScaling resolve_scaling(GDALRasterBand& band, const BandScaling& product_default) {
    int has_scale = 0, has_offset = 0, has_nodata = 0;
    const double scale = band.GetScale(&has_scale);
    const double offset = band.GetOffset(&has_offset);
    const double nodata = band.GetNoDataValue(&has_nodata);
    if ((has_scale && (!std::isfinite(scale) || scale == 0)) || (has_offset && !std::isfinite(offset))) {
        GDALDataset* ds = band.GetDataset();
        char text[96];
        std::snprintf(text, sizeof text, ": band %d has scale %g and offset %g", band.GetBand(),
                      has_scale ? scale : 1.0, has_offset ? offset : 0.0);
        throw InputError(std::string(ds ? ds->GetDescription() : "?") + text +
                         ", which turn no stored value into a usable physical value");
    }
    ResolvedScaling out;
    const bool from_metadata = (has_scale && scale != 1.0) || (has_offset && offset != 0.0);
    if (from_metadata) {
        out.scaling.scale = has_scale ? scale : 1.0;
        out.scaling.offset = has_offset ? offset : 0.0;
        out.source = ScalingSource::Metadata;
    } else {
        out.scaling = product_default;
        out.source = ScalingSource::ProductDefault;
    }
    if (has_nodata) out.scaling.nodata = nodata;
    else if (from_metadata) out.scaling.nodata = product_default.nodata;
    return out;
}

}  // namespace lssr::io
