#pragma once
// HLS Fmask (uint8 bit field, 255 = fill) decoding.
#include <cstdint>
#include <string>

namespace lssr::io {

namespace fmask {
inline constexpr std::uint8_t kFill = 255;
inline constexpr std::uint8_t kCirrus = 1u << 0;  // reserved, unused by HLS v2.0
inline constexpr std::uint8_t kCloud = 1u << 1;
inline constexpr std::uint8_t kAdjacent = 1u << 2;  // adjacent to cloud/shadow
inline constexpr std::uint8_t kShadow = 1u << 3;
inline constexpr std::uint8_t kSnow = 1u << 4;
inline constexpr std::uint8_t kWater = 1u << 5;
}  // namespace fmask

// Which Fmask conditions make a pixel unusable. Default: cloud, adjacent, shadow
// (NASA's own cloud-like mask, fmask & 0b1110).
struct FmaskPolicy {
    std::uint8_t bad_bits = fmask::kCloud | fmask::kAdjacent | fmask::kShadow;
    int max_aerosol = 3;  // aerosol level (bits 6-7) above this is bad; 3 = never

    // Parses "cloud,adjacent,shadow,snow,water,cirrus,aerosol>=high|moderate|low"
    // or "none". Throws OptionError.
    static FmaskPolicy parse(const std::string& text);
};

inline bool fmask_is_fill(std::uint8_t value) { return value == fmask::kFill; }
inline int fmask_aerosol_level(std::uint8_t value) { return (value >> 6) & 3; }

// True for fill or any bad condition (fill is tested first: all its bits are set).
inline bool fmask_is_bad(std::uint8_t value, const FmaskPolicy& policy = {}) {
    return fmask_is_fill(value) || (value & policy.bad_bits) != 0 ||
           fmask_aerosol_level(value) > policy.max_aerosol;
}

}  // namespace lssr::io
