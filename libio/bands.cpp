#include "libio/bands.hpp"

#include "libio/text.hpp"

#include <gdal_priv.h>

#include <cctype>

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

std::optional<BandRole> parse_role(std::string_view text) {
    const std::string lower = ascii_lower(std::string(text));
    for (BandRole role : kReflectanceRoles)
        if (lower == role_name(role)) return role;
    return std::nullopt;
}

ResolvedScaling resolve_scaling(GDALRasterBand& band, const BandScaling& product_default) {
    int has_scale = 0, has_offset = 0, has_nodata = 0;
    const double scale = band.GetScale(&has_scale);
    const double offset = band.GetOffset(&has_offset);
    const double nodata = band.GetNoDataValue(&has_nodata);
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
