#pragma once
// Quick-look pictures of six-band reflectance (blue..swir2, NaN = nodata) for
// people to look at: true colour, false colour and NDVI on a fixed colour
// ramp, written as RGBA PNG, alone or as panels of images side by side.
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "libio/gdal/raster.hpp"

namespace lssr::io {

enum class QuicklookKind {
    TrueColor,   // red, green, blue
    FalseColor,  // swir1, nir, red (SPEC §4's NIR/SWIR): vegetation green, bare soil and towns
                 // pink-brown, water dark blue, burnt or wet ground dark
    Ndvi,        // (nir - red) / (nir + red) on ndvi_color's ramp
};

// The three kinds, in file order, and each one's file-name suffix
// ("truecolor", "falsecolor", "ndvi").
const std::array<QuicklookKind, 3>& quicklook_kinds();
const char* quicklook_name(QuicklookKind kind);

// The reflectance drawn black (low) and full white (high): one range for the
// three display channels, so that colours keep their balance.
struct Stretch {
    float low = 0.0f, high = 0.3f;
};

// The 2nd and 98th percentiles of the kind's three display bands together,
// over the pixels present in all three; Stretch{} when none is.
Stretch percentile_stretch(const RasterBlock& reflectance, QuicklookKind kind);

// NDVI colour ramp, fixed so that pictures of different runs compare:
// brown (140,81,10) at -0.2 and below, yellow (246,232,120) at 0.3, green
// (0,104,55) at 0.9 and above, linear in between.
std::array<std::uint8_t, 3> ndvi_color(float ndvi);

// RGBA, row-major, 4 bytes per pixel; alpha 0 where nothing is drawn.
struct RgbaImage {
    int width = 0, height = 0;
    std::vector<std::uint8_t> pixels;

    RgbaImage() = default;
    RgbaImage(int width_, int height_) : width(width_), height(height_), pixels(size_t(4) * width_ * height_, 0) {}
    std::array<std::uint8_t, 4> at(int row, int col) const;
};

// One picture of `reflectance` (6 bands): display values linear between the
// stretch's low and high (NDVI ignores the stretch). A pixel missing in any
// band it needs is transparent black.
RgbaImage render_quicklook(const RasterBlock& reflectance, QuicklookKind kind, const Stretch& stretch);

// The images left to right, each resized (nearest neighbour) to cell_width x
// cell_height, `gap` transparent pixels apart.
RgbaImage side_by_side(const std::vector<RgbaImage>& images, int cell_width, int cell_height, int gap);

// Writes an RGBA PNG (GDAL's PNG driver) under a temporary name, then renames
// it into place. Throws OutputError when it exists without overwrite.
void write_png(const RgbaImage& image, const std::string& path, bool overwrite);

// PREFIX_truecolor.png, PREFIX_falsecolor.png, PREFIX_ndvi.png.
std::vector<std::string> quicklook_paths(const std::string& prefix);

// The six reflectance bands of a raster (roles as lssr-eval reads them),
// decimated by GDAL (overviews when there are, else nearest) so that its long
// side is at most max_side pixels: cheap on a full tile.
RasterBlock read_reflectance_preview(const std::string& path, int max_side);

// The three quick-looks of one raster, each stretched on its own percentiles,
// at most max_side pixels on the long side.
void write_quicklooks(const std::string& raster, const std::string& prefix, bool overwrite, int max_side = 1024);

// Panels: the blocks side by side (LR first, the reference last; any sizes,
// each shown over the reference's size so that coarse pixels appear as
// blocks), all with the reference's stretch, at most max_side pixels high and
// wide per cell. Writes quicklook_paths(prefix).
void write_panels(const std::vector<RasterBlock>& blocks, const std::string& prefix, bool overwrite,
                  int max_side = 1024);

}  // namespace lssr::io
