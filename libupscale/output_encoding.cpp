#include "libupscale/output_encoding.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "libio/gdal/raster.hpp"

namespace lssr::sr {
namespace {

// The model writes reflectance 0..1; an encoding must hold that span.
constexpr double kLow = 0.0, kHigh = 1.0;

struct Range {
    double lo, hi;
    bool holds(double v) const { return v >= lo && v <= hi; }
};

Range integer_range(GDALDataType type) {
    const int bits = GDALGetDataTypeSizeBits(type);
    if (GDALDataTypeIsSigned(type)) return {-std::ldexp(1.0, bits - 1), std::ldexp(1.0, bits - 1) - 1};
    return {0.0, std::ldexp(1.0, bits) - 1};
}

// Stored values of reflectance kLow..kHigh over all bands, and the fewest
// stored steps any band spends on that span.
struct Span {
    double lo = HUGE_VAL, hi = -HUGE_VAL, steps = HUGE_VAL;
};

Span stored_span(const std::vector<io::BandScaling>& scalings) {
    Span span;
    for (const auto& s : scalings) {
        const double a = s.invert(kLow), b = s.invert(kHigh);
        span.lo = std::min({span.lo, a, b});
        span.hi = std::max({span.hi, a, b});
        span.steps = std::min(span.steps, std::abs(b - a));
    }
    return span;
}

// A nodata value of an integer type that no data value takes.
double pick_nodata(GDALDataType type, const Range& range, const Span& span) {
    const std::vector<double> candidates = GDALDataTypeIsSigned(type) ? std::vector<double>{-9999.0, range.lo, range.hi}
                                                                      : std::vector<double>{0.0, range.hi};
    for (double v : candidates)
        if (range.holds(v) && (v < span.lo || v > span.hi)) return v;
    return range.hi;
}

// The finest round scale (1, 2, 2.5, 4, 5 x 10^-k, at most 1e-4 fine) under
// which reflectance 1 is a stored value of at most `top`.
double fitting_scale(double top) {
    for (int k = 4; k >= 0; --k)
        for (double m : {1.0, 2.0, 2.5, 4.0, 5.0}) {
            const double scale = m * std::pow(10.0, -k);
            if (kHigh / scale <= top * (1 + 1e-12)) return scale;
        }
    return 1.0;
}

bool usable(const io::BandScaling& s) { return std::isfinite(s.scale) && s.scale != 0 && std::isfinite(s.offset); }

}  // namespace

float OutputEncoding::encode(float reflectance, int band) const {
    if (std::isnan(reflectance)) return reflectance;
    const double stored = scalings.at(band).invert(reflectance);
    return static_cast<float>(std::clamp(stored, min_stored, max_stored));
}

OutputEncoding output_encoding(GDALDataType input_type, const std::vector<io::BandScaling>& input_scalings,
                               const std::string& data_type) {
    OutputEncoding enc;
    enc.type = data_type.empty() ? input_type : io::parse_data_type(data_type);
    enc.scalings = input_scalings;
    enc.nodata = input_scalings.at(2).nodata;  // the red band's, as the grid
    const bool float_in = GDALDataTypeIsFloating(input_type);
    const char* type_name = GDALGetDataTypeName(enc.type);
    if (GDALDataTypeIsFloating(enc.type)) {
        if (!float_in) {
            for (auto& s : enc.scalings) s = io::BandScaling{1.0, 0.0, std::nullopt};
            enc.nodata.reset();
        }
        if (!enc.nodata) enc.nodata = std::numeric_limits<double>::quiet_NaN();
    } else {
        const Range range = integer_range(enc.type);
        const Span span = stored_span(input_scalings);
        const bool same_type = enc.type == input_type;
        const bool scalings_usable = std::all_of(input_scalings.begin(), input_scalings.end(), usable);
        const bool holds = scalings_usable && (same_type || (range.holds(span.lo) && range.holds(span.hi) &&
                                                             (!float_in || span.steps >= 250)));
        if (holds) {
            const bool nodata_fits = enc.nodata && range.holds(*enc.nodata) &&
                                     std::floor(*enc.nodata) == *enc.nodata &&
                                     (*enc.nodata < span.lo || *enc.nodata > span.hi);
            if (!enc.nodata) {
                enc.nodata = pick_nodata(enc.type, range, span);
            } else if (!same_type && !nodata_fits) {
                const double old = *enc.nodata;
                enc.nodata = pick_nodata(enc.type, range, span);
                enc.note = fmt::format("-ot {} cannot store the input's nodata {:g}: masked pixels are {:g}",
                                       type_name, old, *enc.nodata);
            }
        } else {
            const bool is_signed = GDALDataTypeIsSigned(enc.type);
            enc.nodata = is_signed ? (range.holds(-9999.0) ? -9999.0 : range.lo) : range.hi;
            const double top = *enc.nodata == range.hi ? range.hi - 1 : range.hi;
            const double scale = fitting_scale(top);
            const io::BandScaling& red = input_scalings.at(2);
            enc.note = fmt::format(
                "-ot {} cannot hold reflectance 0..1 at the input's scaling (scale {:g}, offset {:g}{}): "
                "writing scale {:g}, offset 0, nodata {:g} in the band metadata instead",
                type_name, red.scale, red.offset,
                float_in && range.holds(span.lo) && range.holds(span.hi) ? ", too few steps" : "", scale,
                *enc.nodata);
            for (auto& s : enc.scalings) s = io::BandScaling{scale, 0.0, std::nullopt};
        }
        // Data never reaches nodata: clipped short of it on its side.
        const double nodata = *enc.nodata;
        const Span out_span = stored_span(enc.scalings);
        enc.min_stored = nodata < out_span.lo ? std::max(range.lo, nodata + 1) : range.lo + (nodata == range.lo);
        enc.max_stored = nodata > out_span.hi ? std::min(range.hi, nodata - 1) : range.hi - (nodata == range.hi);
        if (!enc.note.empty() || !holds) {
            const auto& s = enc.scalings.front();
            enc.note += fmt::format(" (reflectance beyond {:g}..{:g} is clipped)", s.apply(enc.min_stored),
                                    s.apply(enc.max_stored));
        }
    }
    for (auto& s : enc.scalings) s.nodata = enc.nodata;
    return enc;
}

}  // namespace lssr::sr
