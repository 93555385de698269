#pragma once
// Per-pixel quality from the QA layers products ship: HLS Fmask bits, Landsat
// Collection 2 QA_PIXEL bits and Sentinel-2 L2A scene classes (SCL).
#include <optional>
#include <string>

namespace lssr::io {

enum class QaKind { HlsFmask, LandsatQaPixel, S2Scl };
enum class PixelQuality { Clear, Cloud, Nodata };

// The QA kind carried by a band role ("fmask", "qa_pixel", "scl"), if any.
std::optional<QaKind> qa_kind_of_role(const std::string& role);

// Fmask: 255 fill -> Nodata; cloud, adjacent or shadow bits -> Cloud.
// QA_PIXEL: bit 0 fill -> Nodata; bits 1 dilated cloud, 3 cloud, 4 shadow -> Cloud.
// SCL: 0 no data -> Nodata; 3 shadow, 8/9 cloud, 10 cirrus -> Cloud.
// NaN (outside the layer, or its nodata value) -> Nodata.
PixelQuality classify_qa(QaKind kind, float value);

}  // namespace lssr::io
