#include "libio/products/cloud_masks.hpp"

#include <cmath>
#include <cstdint>

#include "libio/products/fmask.hpp"

namespace lssr::io {

std::optional<QaKind> qa_kind_of_role(const std::string& role) {
    if (role == "fmask") return QaKind::HlsFmask;
    if (role == "qa_pixel") return QaKind::LandsatQaPixel;
    if (role == "scl") return QaKind::S2Scl;
    return std::nullopt;
}

PixelQuality classify_qa(QaKind kind, float value) {
    if (std::isnan(value) || value < 0) return PixelQuality::Nodata;
    const auto v = static_cast<std::uint32_t>(std::lround(value));
    switch (kind) {
        case QaKind::HlsFmask: {
            if (v > 255 || fmask_is_fill(static_cast<std::uint8_t>(v))) return PixelQuality::Nodata;
            return fmask_is_bad(static_cast<std::uint8_t>(v)) ? PixelQuality::Cloud : PixelQuality::Clear;
        }
        case QaKind::LandsatQaPixel: {
            if (v & 1u) return PixelQuality::Nodata;
            constexpr std::uint32_t bad = (1u << 1) | (1u << 3) | (1u << 4);
            return (v & bad) ? PixelQuality::Cloud : PixelQuality::Clear;
        }
        case QaKind::S2Scl: {
            if (v == 0) return PixelQuality::Nodata;
            return (v == 3 || v == 8 || v == 9 || v == 10) ? PixelQuality::Cloud : PixelQuality::Clear;
        }
    }
    return PixelQuality::Clear;
}

}  // namespace lssr::io
