#pragma once
// Band roles and the scaling that turns stored digital numbers into physical values.
#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

class GDALDataset;
class GDALRasterBand;

namespace lssr::io {

// The six reflectance roles the suite works with, in their canonical order.
enum class BandRole { Blue, Green, Red, Nir, Swir1, Swir2 };
inline constexpr std::array<BandRole, 6> kReflectanceRoles{
    BandRole::Blue, BandRole::Green, BandRole::Red, BandRole::Nir, BandRole::Swir1, BandRole::Swir2};

std::string_view role_name(BandRole role);             // "blue" ... "swir2"
std::optional<BandRole> parse_role(std::string_view);  // accepts names, case-insensitive, trimmed

// The band (1-based) holding each reflectance role blue..swir2 in a stack, the
// one rule of lssr-upscale, lssr-eval and cropmap: band descriptions naming
// roles (any order, any case) decide, and bands described otherwise (coastal,
// cirrus, thermal, QA, ...) are skipped, so a 7-band Landsat stack with coastal
// first works when described; when no description names a role, a 6-band stack
// is taken in the order blue, green, red, nir, swir1, swir2. Throws a one-line
// InputError naming `path` when two bands name one role, when the descriptions
// name some roles but not all six, or when a stack of other than 6 bands names none.
std::array<int, 6> reflectance_bands(const std::vector<std::string>& descriptions, const std::string& path);
std::array<int, 6> reflectance_bands(GDALDataset& dataset, const std::string& path);

// value = DN * scale + offset; DN == nodata is missing.
struct BandScaling {
    double scale = 1.0;
    double offset = 0.0;
    std::optional<double> nodata;

    double apply(double dn) const { return dn * scale + offset; }
    double invert(double value) const { return (value - offset) / scale; }
};

// Where the scaling of a band came from, so tools can warn when defaults were used.
enum class ScalingSource { Metadata, ProductDefault };

struct ResolvedScaling {
    BandScaling scaling;
    ScalingSource source = ScalingSource::Metadata;
};

// The scaling of a band: GDAL's scale/offset/nodata when the file carries them
// (scale != 1 or offset != 0), otherwise the product's documented defaults; the
// nodata value of the file wins over the default's when present. Throws
// InputError naming the file when the metadata scale is 0 or not finite, or the
// offset not finite.
ResolvedScaling resolve_scaling(GDALRasterBand& band, const BandScaling& product_default);

}  // namespace lssr::io
