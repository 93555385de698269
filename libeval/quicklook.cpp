#include "libeval/quicklook.hpp"

#include <gdal_priv.h>

#include <algorithm>
#include <cmath>

#include "libio/core/errors.hpp"
#include "libio/gdal/reflectance.hpp"
#include "libio/gdal/finite_values.hpp"
#include "libio/gdal/gdal_dataset.hpp"
#include "libio/gdal/staged_output.hpp"

namespace lssr::io {
namespace {

// Display bands (R, G, B) of the colour composites, as band indices blue=0..swir2=5.
std::array<int, 3> display_bands(QuicklookKind kind) {
    return kind == QuicklookKind::FalseColor ? std::array<int, 3>{4, 3, 2} : std::array<int, 3>{2, 1, 0};
}

std::uint8_t to_byte(double v) { return static_cast<std::uint8_t>(std::lround(std::clamp(v, 0.0, 255.0))); }

// NaN where red or nir is missing or their sum is not positive.
float ndvi_of(const RasterBlock& b, size_t i) {
    const float red = b.band(2)[i], nir = b.band(3)[i];
    if (std::isnan(red) || std::isnan(nir) || nir + red <= 0.0f) return NAN;
    return (nir - red) / (nir + red);
}

double percentile(std::vector<float>& values, double p) {
    const size_t k = static_cast<size_t>(std::lround(p / 100.0 * double(values.size() - 1)));
    std::nth_element(values.begin(), values.begin() + k, values.end());
    return values[k];
}

void require_six_bands(const RasterBlock& b) {
    if (b.bands != 6) throw Error("quick-look: expected 6 reflectance bands, got " + std::to_string(b.bands));
}

}  // namespace

const std::array<QuicklookKind, 3>& quicklook_kinds() {
    static const std::array<QuicklookKind, 3> kinds{QuicklookKind::TrueColor, QuicklookKind::FalseColor,
                                                    QuicklookKind::Ndvi};
    return kinds;
}

const char* quicklook_name(QuicklookKind kind) {
    switch (kind) {
        case QuicklookKind::TrueColor: return "truecolor";
        case QuicklookKind::FalseColor: return "falsecolor";
        case QuicklookKind::Ndvi: return "ndvi";
    }
    return "";
}

std::vector<std::string> quicklook_paths(const std::string& prefix) {
    std::vector<std::string> paths;
    for (QuicklookKind k : quicklook_kinds()) paths.push_back(prefix + "_" + quicklook_name(k) + ".png");
    return paths;
}

Stretch percentile_stretch(const RasterBlock& reflectance, QuicklookKind kind) {
    require_six_bands(reflectance);
    const auto bands = display_bands(kind);
    // A 1024x1024 picture has 1 M pixels: every 4th is plenty for percentiles.
    const size_t step = reflectance.plane() > 262144 ? 4 : 1;
    std::vector<float> values;
    for (size_t i = 0; i < reflectance.plane(); i += step) {
        const float a = reflectance.band(bands[0])[i], b = reflectance.band(bands[1])[i],
                    c = reflectance.band(bands[2])[i];
        if (std::isnan(a) || std::isnan(b) || std::isnan(c)) continue;
        values.insert(values.end(), {a, b, c});
    }
    if (values.empty()) return Stretch{};
    Stretch s;
    s.low = static_cast<float>(percentile(values, 2.0));
    s.high = static_cast<float>(percentile(values, 98.0));
    if (!(s.high > s.low)) s.high = s.low + 1e-3f;  // a flat image: avoid dividing by zero
    return s;
}

std::array<std::uint8_t, 3> ndvi_color(float ndvi) {
    struct Stop {
        float at;
        double r, g, b;
    };
    static constexpr Stop stops[] = {{-0.2f, 140, 81, 10}, {0.3f, 246, 232, 120}, {0.9f, 0, 104, 55}};
    const float v = std::clamp(ndvi, stops[0].at, stops[2].at);
    const Stop& lo = v <= stops[1].at ? stops[0] : stops[1];
    const Stop& hi = v <= stops[1].at ? stops[1] : stops[2];
    const double t = (v - lo.at) / (hi.at - lo.at);
    return {to_byte(lo.r + t * (hi.r - lo.r)), to_byte(lo.g + t * (hi.g - lo.g)), to_byte(lo.b + t * (hi.b - lo.b))};
}

std::array<std::uint8_t, 4> RgbaImage::at(int row, int col) const {
    const size_t i = 4 * (static_cast<size_t>(row) * width + col);
    return {pixels[i], pixels[i + 1], pixels[i + 2], pixels[i + 3]};
}

RgbaImage render_quicklook(const RasterBlock& reflectance, QuicklookKind kind, const Stretch& stretch) {
    require_six_bands(reflectance);
    RgbaImage image(reflectance.width, reflectance.height);
    const auto bands = display_bands(kind);
    const double scale = 255.0 / (stretch.high - stretch.low);
    for (size_t i = 0; i < reflectance.plane(); ++i) {
        std::uint8_t* px = image.pixels.data() + 4 * i;
        if (kind == QuicklookKind::Ndvi) {
            const float v = ndvi_of(reflectance, i);
            if (std::isnan(v)) continue;
            const auto c = ndvi_color(v);
            std::copy(c.begin(), c.end(), px);
        } else {
            bool missing = false;
            for (int c = 0; c < 3; ++c) {
                const float v = reflectance.band(bands[c])[i];
                missing = missing || std::isnan(v);
                px[c] = missing ? 0 : to_byte((v - stretch.low) * scale);
            }
            if (missing) {
                std::fill(px, px + 3, 0);
                continue;
            }
        }
        px[3] = 255;
    }
    return image;
}

RgbaImage side_by_side(const std::vector<RgbaImage>& images, int cell_width, int cell_height, int gap) {
    const int n = static_cast<int>(images.size());
    RgbaImage out(n * cell_width + std::max(0, n - 1) * gap, cell_height);
    for (int k = 0; k < n; ++k) {
        const RgbaImage& src = images[k];
        const int x0 = k * (cell_width + gap);
        for (int r = 0; r < cell_height; ++r) {
            const int sr = static_cast<int>(static_cast<long long>(r) * src.height / cell_height);
            for (int c = 0; c < cell_width; ++c) {
                const int sc = static_cast<int>(static_cast<long long>(c) * src.width / cell_width);
                const std::uint8_t* from = src.pixels.data() + 4 * (static_cast<size_t>(sr) * src.width + sc);
                std::copy(from, from + 4, out.pixels.data() + 4 * (static_cast<size_t>(r) * out.width + x0 + c));
            }
        }
    }
    return out;
}

void write_png(const RgbaImage& image, const std::string& path, bool overwrite) {
    ensure_gdal_registered();
    GDALDriver* mem = GetGDALDriverManager()->GetDriverByName("MEM");
    GDALDriver* png = GetGDALDriverManager()->GetDriverByName("PNG");
    if (!mem || !png) throw OutputError(path + ": GDAL has no PNG (or MEM) driver");
    StagedFile staged(path, overwrite);
    DatasetPtr ds(mem->Create("", image.width, image.height, 4, GDT_Byte, nullptr));
    if (!ds) throw OutputError(path + ": cannot create the picture in memory: " + last_gdal_error());
    int bands[4] = {1, 2, 3, 4};
    auto* data = const_cast<std::uint8_t*>(image.pixels.data());
    if (ds->RasterIO(GF_Write, 0, 0, image.width, image.height, data, image.width, image.height, GDT_Byte, 4,
                     bands, 4, 4 * image.width, 1, nullptr) != CE_None)
        throw OutputError(path + ": cannot fill the picture: " + last_gdal_error());
    const GDALColorInterp interp[4] = {GCI_RedBand, GCI_GreenBand, GCI_BlueBand, GCI_AlphaBand};
    for (int b = 0; b < 4; ++b) ds->GetRasterBand(b + 1)->SetColorInterpretation(interp[b]);
    DatasetPtr out(png->CreateCopy(staged.temp_path().c_str(), ds.get(), FALSE, nullptr, nullptr, nullptr));
    if (!out) throw OutputError(path + ": cannot write PNG: " + last_gdal_error());
    out.reset();
    staged.commit();
}

RasterBlock read_reflectance_preview(const std::string& path, int max_side) {
    DatasetPtr ds = open_raster(path);
    const int w = ds->GetRasterXSize(), h = ds->GetRasterYSize();
    const double factor = std::max(1.0, double(std::max(w, h)) / std::max(1, max_side));
    const int out_w = std::max(1, static_cast<int>(std::lround(w / factor)));
    const int out_h = std::max(1, static_cast<int>(std::lround(h / factor)));
    const auto roles = reflectance_bands(*ds, path);
    std::vector<int> bands(roles.begin(), roles.end());
    const auto scalings = reflectance_scalings(*ds, bands);
    // A buffer smaller than the window: GDAL decimates (overviews, else nearest).
    RasterBlock block(6, out_w, out_h);
    if (ds->RasterIO(GF_Read, 0, 0, w, h, block.data.data(), out_w, out_h, GDT_Float32, 6, bands.data(), 0, 0, 0,
                     nullptr) != CE_None)
        throw InputError(path + ": read failed: " + last_gdal_error());
    scale_in_place(block, scalings);  // nodata and non-finite values -> NaN
    return block;
}

void write_quicklooks(const std::string& raster, const std::string& prefix, bool overwrite, int max_side) {
    const auto paths = quicklook_paths(prefix);
    for (const auto& p : paths) check_can_write(p, overwrite);  // all three or none
    const RasterBlock block = read_reflectance_preview(raster, max_side);
    for (size_t k = 0; k < paths.size(); ++k) {
        const QuicklookKind kind = quicklook_kinds()[k];
        write_png(render_quicklook(block, kind, percentile_stretch(block, kind)), paths[k], overwrite);
    }
}

void write_panels(const std::vector<RasterBlock>& blocks, const std::string& prefix, bool overwrite,
                  int max_side) {
    if (blocks.empty()) throw Error("quick-look panels: no images");
    for (const RasterBlock& b : blocks) require_six_bands(b);
    const RasterBlock& ref = blocks.back();
    const double shrink = std::max(1.0, double(std::max(ref.width, ref.height)) / std::max(1, max_side));
    const int cell_w = std::max(1, static_cast<int>(std::lround(ref.width / shrink)));
    const int cell_h = std::max(1, static_cast<int>(std::lround(ref.height / shrink)));
    const auto paths = quicklook_paths(prefix);
    for (const auto& p : paths) check_can_write(p, overwrite);  // all three or none
    for (size_t k = 0; k < paths.size(); ++k) {
        const QuicklookKind kind = quicklook_kinds()[k];
        const Stretch stretch = percentile_stretch(ref, kind);
        std::vector<RgbaImage> images;
        for (const RasterBlock& b : blocks) images.push_back(render_quicklook(b, kind, stretch));
        write_png(side_by_side(images, cell_w, cell_h, 4), paths[k], overwrite);
    }
}

}  // namespace lssr::io
