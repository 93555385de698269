#include "libsynth/study_area.hpp"

#include <fmt/format.h>
#include <gdal_priv.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <set>

#include "libio/core/errors.hpp"
#include "libio/gdal/raster.hpp"
#include "libio/gdal/staged_output.hpp"
#include "libsynth/landscape.hpp"
#include "libio/products/legends.hpp"
#include "libsynth/product_names.hpp"
#include "libsynth/products.hpp"
#include "libsynth/random.hpp"
#include "libsynth/scene_variation.hpp"
#include "libsynth/sensors.hpp"
#include "libio/gdal/warp.hpp"

namespace fs = std::filesystem;

namespace lssr::io::synth {
namespace {

constexpr int kMargin = 12;  // 10 m pixels of landscape around the area (PSF, shifts, Landsat's offset)
constexpr double kCentreX = 450000, kCentreY = 4650000;

// ---- grids -----------------------------------------------------------------

Grid make_grid(const std::string& wkt, double x0, double y0, double pixel, int width, int height) {
    Grid g;
    g.crs_wkt = wkt;
    g.transform = {x0, pixel, 0, y0, 0, -pixel};
    g.width = width;
    g.height = height;
    return g;
}

// CDL's national Albers grid has its pixel corners at 15 m past multiples of 30 m.
Grid cdl_grid(const Bounds& b, const std::string& wkt) {
    const double x0 = std::floor((b.min_x - 15) / 30) * 30 + 15, x1 = std::ceil((b.max_x - 15) / 30) * 30 + 15;
    const double y0 = std::floor((b.min_y - 15) / 30) * 30 + 15, y1 = std::ceil((b.max_y - 15) / 30) * 30 + 15;
    return make_grid(wkt, x0, y1, 30, static_cast<int>(std::lround((x1 - x0) / 30)),
                     static_cast<int>(std::lround((y1 - y0) / 30)));
}

// ---- writing ---------------------------------------------------------------

class Writer {
public:
    Writer(std::string root, std::string label) : root_(std::move(root)), label_(std::move(label)) {}

    void write(const std::string& relative, RasterSpec spec, const RasterBlock& block,
               const ColorTable* colors = nullptr) {
        const fs::path path = fs::path(root_) / relative;
        std::error_code ec;
        fs::create_directories(path.parent_path(), ec);
        if (ec) throw OutputError(path.parent_path().string() + ": cannot create folder: " + ec.message());
        OutputOptions options;
        options.creation_options = {"COMPRESS=DEFLATE",
                                    GDALDataTypeIsFloating(spec.type) ? "PREDICTOR=3" : "PREDICTOR=2"};
        spec.metadata["LSSR_SYNTHETIC"] = label_;
        RasterWriter writer(path.string(), spec, options);
        writer.write(block, Window{0, 0, block.width, block.height});
        if (colors) writer.set_color_table(*colors);
        writer.finish();
        files_.push_back(relative);
    }

    std::vector<std::string> files() const {
        std::vector<std::string> sorted = files_;
        std::sort(sorted.begin(), sorted.end());
        return sorted;
    }

private:
    std::string root_;
    std::string label_;
    std::vector<std::string> files_;
};

RasterSpec spec_for(const Grid& grid, GDALDataType type, std::optional<double> nodata, int bands = 1) {
    RasterSpec spec;
    spec.grid = grid;
    spec.type = type;
    spec.nodata = nodata;
    spec.bands = bands;
    return spec;
}

// A single-band block from a function of (row, col).
template <typename Fn>
RasterBlock plane(int width, int height, Fn fn) {
    RasterBlock block(1, width, height);
    for (int r = 0; r < height; ++r)
        for (int c = 0; c < width; ++c) block.at(0, r, c) = static_cast<float>(fn(r, c));
    return block;
}


struct BandFile {
    const char* name;
    Band band;
};

// Writes the bands of a 30 m scene as one file each, encoded by `encode`.
template <typename Encode>
void write_scene_bands(Writer& out, const std::string& prefix, const std::string& extension,
                       const std::vector<BandFile>& files,
                       const RasterBlock& scene, const Grid& grid, GDALDataType type, double nodata,
                       std::optional<BandScaling> scaling, const std::map<std::string, std::string>& metadata,
                       Encode encode) {
    for (const BandFile& f : files) {
        RasterSpec spec = spec_for(grid, type, nodata);
        if (scaling) spec.scalings = {*scaling};
        spec.metadata = metadata;
        const float* v = scene.band(f.band);
        out.write(prefix + f.name + extension,
                  spec, plane(grid.width, grid.height, [&](int r, int c) { return encode(v[r * grid.width + c]); }));
    }
}

}  // namespace

int area_pixels(double size_km) {
    if (!(size_km >= 1.0 && size_km <= 20.0))
        throw OptionError(fmt::format("--size {}: the area must be 1 to 20 km across", size_km));
    return std::max(6, static_cast<int>(std::lround(size_km * 100.0 / 6.0)) * 6);
}

void validate(const StudyAreaOptions& o) {
    const int n = area_pixels(o.size_km);
    if (o.dates.empty()) throw OptionError("--dates: give at least one date (YYYY-MM-DD)");
    std::set<long long> seen;
    for (const Date& d : o.dates)
        if (!seen.insert(d.days()).second) throw OptionError("--dates: " + d.iso() + " is listed twice");
    if (!(o.cloud_fraction >= 0.0 && o.cloud_fraction <= 0.9))
        throw OptionError("--clouds: the cloud fraction must be between 0 and 0.9");
    if (o.origin) {
        const double x = (*o.origin)[0], y = (*o.origin)[1];
        if (std::fmod(x, 30.0) != 0 || std::fmod(y, 30.0) != 0)
            throw OptionError("--origin: the corner must be on the 30 m MGRS lattice (multiples of 30 m)");
        if (x < 100000 || x + n * 10.0 > 900000 || y - n * 10.0 < 0 || y > 9300000)
            throw OptionError("--origin: the area must lie inside UTM zone 15N (EPSG:32615)");
    }
    if (!parse_landscape(o.landscape)) {
        std::string names;
        for (const auto& name : landscape_names()) names += (names.empty() ? "" : ", ") + name;
        throw OptionError("--landscape: unknown landscape '" + o.landscape + "'; choose one of " + names);
    }
    if (o.output_dir.empty()) throw OptionError("no output folder given");
}

StudyAreaSummary generate_study_area(const StudyAreaOptions& o, const Progress& progress) {
    validate(o);
    ensure_gdal_registered();
    const int n = area_pixels(o.size_km);
    const std::string utm = crs_from_user_input("EPSG:32615");
    const double x0 = o.origin ? (*o.origin)[0] : std::floor((kCentreX - n * 5.0) / 30) * 30;
    const double y0 = o.origin ? (*o.origin)[1] : std::ceil((kCentreY + n * 5.0) / 30) * 30;
    const Grid g10 = make_grid(utm, x0, y0, 10, n, n);
    const Grid g20 = make_grid(utm, x0, y0, 20, n / 2, n / 2);
    const Grid g30 = make_grid(utm, x0, y0, 30, n / 3, n / 3);                      // MGRS (HLS) lattice
    const Grid g30_landsat = make_grid(utm, x0 - 15, y0 + 15, 30, n / 3 + 1, n / 3 + 1);  // WRS-2 lattice
    const CoarseGrid hls_grid{0.0, n / 3, n / 3}, landsat_grid{-1.5, n / 3 + 1, n / 3 + 1};

    StagedDirectory staged(o.output_dir, o.overwrite);
    const LandscapeKind kind = *parse_landscape(o.landscape);
    // Iowa scenes keep their fixed radiometry and optics (and their metadata).
    const bool varied = kind != LandscapeKind::Iowa;
    Writer out(staged.temp_path(), "lssr-synth seed " + std::to_string(o.seed) +
                                       (varied ? std::string(" landscape ") + landscape_name(kind) : ""));
    const double steps = 3.0 + 5.0 * o.dates.size();
    double done = 0;
    auto step = [&](const char* what) { report(progress, ++done / steps, what); };
    report(progress, 0.0, "landscape");

    const Landscape ls = build_landscape(o.seed, n, kMargin, kind);
    // truth/field_id.tif is UInt16: never write clamped ids (small fields at 20 km come near).
    if (ls.fields.size() > 65535)
        throw Error(fmt::format("--landscape {}: {} fields do not fit truth/field_id.tif (UInt16); use a smaller --size",
                                o.landscape, ls.fields.size()));
    // One scene's rendering on a day, with its own radiometry when varied.
    auto render = [&](double day_of_year, const char* stream, int index) {
        RasterBlock block = render_reflectance(ls, day_of_year);
        if (varied) apply_radiometry(block, random_radiometry(derive_seed(o.seed, stream, index)));
        return block;
    };
    auto optics = [&](SensorModel sensor, const OpticsRange& range, const char* stream, int index) {
        if (varied) vary_optics(sensor, range, derive_seed(o.seed, stream, index));
        return sensor;
    };
    auto interior = [&](auto fn) {
        return plane(n, n, [&](int r, int c) { return fn(ls.index(r + kMargin, c + kMargin)); });
    };
    step("landscape");

    // ---- static layers: labels, fields, terrain -----------------------------
    const ColorTable cdl_colors = cdl_color_table();
    const ColorTable dw_colors = dynamic_world_color_table();
    const RasterBlock cdl10 = interior([&](size_t i) { return cdl_code(ls.cover[i]); });
    out.write("landcover.tif", spec_for(g10, GDT_Byte, std::nullopt),
              interior([&](size_t i) { return dynamic_world_label(ls.cover[i]); }), &dw_colors);
    out.write("truth/cdl_10m.tif", spec_for(g10, GDT_Byte, 0.0), cdl10, &cdl_colors);
    out.write("truth/field_id.tif", spec_for(g10, GDT_UInt16, std::nullopt),
              interior([&](size_t i) { return ls.field[i]; }));
    {
        // CDL: Albers (EPSG:5070) at 30 m, majority of the 10 m classes, as NASS publishes it.
        const std::string albers = crs_from_user_input("EPSG:5070");
        const Grid target = cdl_grid(transform_bounds(g10.bounds(), utm, albers), albers);
        DatasetPtr source = memory_dataset(cdl10, g10, false);
        WarpRequest request;
        request.method = Resampling::Mode;
        const RasterBlock cdl = warp_to_grid(*source, "cdl (in memory)", target, request);
        out.write("cdl.tif", spec_for(target, GDT_Byte, 0.0), cdl, &cdl_colors);
    }
    step("label layers");
    {
        // DEM: rendered on the 10 m UTM canvas, warped to 1 arc-second lon/lat like USGS 3DEP.
        const Grid canvas = make_grid(utm, x0 - kMargin * 10.0, y0 + kMargin * 10.0, 10, ls.width, ls.height);
        RasterBlock elevation(1, ls.width, ls.height);
        std::copy(ls.elevation.begin(), ls.elevation.end(), elevation.data.begin());
        DatasetPtr source = memory_dataset(elevation, canvas, false);
        const std::string wgs84 = crs_from_user_input("EPSG:4326");
        const Grid target = grid_covering(wgs84, footprint_lonlat(g10), 1.0 / 3600.0);
        WarpRequest request;
        request.method = Resampling::Bilinear;
        const RasterBlock dem = warp_to_grid(*source, "dem (in memory)", target, request);
        RasterSpec spec = spec_for(target, GDT_Float32, -999999.0);
        spec.band_metadata = {{{"UNITS", "metre"}}};
        out.write("dem.tif", spec, dem);
    }
    step("terrain");

    // ---- one set of scenes per date ----------------------------------------
    // Chronological order, so that satellites alternate in time whatever the list order.
    std::vector<Date> dates = o.dates;
    std::sort(dates.begin(), dates.end());
    // One HLS v2.0 granule (L30 or S30) seen by `sensor` from the truth of its
    // day: one file per band, the granule's metadata, and its Fmask.
    auto write_hls_granule = [&](const std::string& granule, const RasterBlock& day_truth,
                                 const SensorModel& sensor, const std::string& stream, int index,
                                 const std::string& sensing_time, const std::vector<BandFile>& files) {
        RasterBlock scene =
            simulate_sensor(day_truth, kMargin, hls_grid, sensor, derive_seed(o.seed, stream + "-noise", index));
        const Clouds clouds = make_clouds(derive_seed(o.seed, stream + "-clouds", index), o.cloud_fraction, n, hls_grid);
        apply_clouds(scene, clouds);
        const std::map<std::string, std::string> meta{
            {"SENSING_TIME", sensing_time}, {"MGRS_TILE_ID", "15TVG"},
            {"CLOUD_COVERAGE", std::to_string(std::lround(cloud_percent(clouds)))}, {"SPATIAL_COVERAGE", "100"}};
        const std::string prefix = granule + ".";
        write_scene_bands(out, prefix, ".tif", files, scene, g30, GDT_Int16, -9999, BandScaling{0.0001, 0, -9999.0},
                          meta, hls_dn);
        RasterSpec spec = spec_for(g30, GDT_Byte, 255.0);
        spec.metadata = meta;
        out.write(prefix + "Fmask.tif", spec, hls_fmask(clouds, water_share(ls, hls_grid)));
    };
    for (size_t k = 0; k < dates.size(); ++k) {
        const Date& date = dates[k];
        const int index = static_cast<int>(k);
        const ProductNames names = product_names(date, index);

        // Sentinel-2 L2A: the 10 m truth, with B8A/B11/B12 and SCL at 20 m.
        const RasterBlock truth = render(date.day_of_year(), "s2-radiometry", index);
        const std::string s2_dir = names.s2_safe + "/GRANULE/" + names.s2_granule + "/IMG_DATA/";
        auto at10 = [&](Band b, int r, int c) { return truth.at(b, r + kMargin, c + kMargin); };
        auto at20 = [&](Band b, int r, int c) {
            return 0.25 * (at10(b, 2 * r, 2 * c) + at10(b, 2 * r, 2 * c + 1) + at10(b, 2 * r + 1, 2 * c) +
                           at10(b, 2 * r + 1, 2 * c + 1));
        };
        for (const auto& [name, band] : {std::pair{"B02", Blue}, {"B03", Green}, {"B04", Red}, {"B08", Nir}})
            out.write(s2_dir + "R10m/" + names.s2_band_prefix + "_" + name + "_10m.tif",
                      spec_for(g10, GDT_UInt16, 0.0),
                      plane(n, n, [&](int r, int c) { return s2_dn(at10(band, r, c)); }));
        for (const auto& [name, band] : {std::pair{"B8A", NirNarrow}, {"B11", Swir1}, {"B12", Swir2}})
            out.write(s2_dir + "R20m/" + names.s2_band_prefix + "_" + name + "_20m.tif",
                      spec_for(g20, GDT_UInt16, 0.0),
                      plane(n / 2, n / 2, [&](int r, int c) { return s2_dn(at20(band, r, c)); }));
        // Scene classification: 6 water, 4 vegetation, 5 not vegetated (the truth is cloud-free).
        out.write(s2_dir + "R20m/" + names.s2_band_prefix + "_SCL_20m.tif", spec_for(g20, GDT_Byte, 0.0),
                  plane(n / 2, n / 2, [&](int r, int c) {
                      int water = 0;
                      for (int dr = 0; dr < 2; ++dr)
                          for (int dc = 0; dc < 2; ++dc)
                              water += is_water(ls.cover[ls.index(kMargin + 2 * r + dr, kMargin + 2 * c + dc)]);
                      if (water >= 2) return 6;
                      const double red = at20(Red, r, c), nir = at20(Nir, r, c);
                      return (nir - red) / std::max(1e-6, nir + red) > 0.35 ? 4 : 5;
                  }));
        step("Sentinel-2 L2A");

        // HLS S30: the same overpass seen at 30 m.
        write_hls_granule(names.s30_granule, truth, optics(s30_sensor(o.seed, index), kS30Optics, "s30-optics", index),
                          "s30", index, date.iso() + "T17:09:01Z",
                          {{"B02", Blue}, {"B03", Green}, {"B04", Red}, {"B8A", NirNarrow}, {"B11", Swir1},
                           {"B12", Swir2}});
        step("HLS S30");

        // Landsat 8/9 Collection 2 Level-2, the next day, on the WRS-2 lattice.
        {
            const RasterBlock day_truth = render(names.landsat_date.day_of_year(), "landsat-radiometry", index);
            RasterBlock scene = simulate_sensor(day_truth, kMargin, landsat_grid,
                                                optics(landsat_sensor(o.seed, index), kLandsatOptics, "landsat-optics", index),
                                                derive_seed(o.seed, "landsat-noise", index));
            const Clouds clouds =
                make_clouds(derive_seed(o.seed, "landsat-clouds", index), o.cloud_fraction, n, landsat_grid);
            apply_clouds(scene, clouds);
            const std::string prefix = names.landsat_id + "/" + names.landsat_id + "_";
            write_scene_bands(out, prefix, ".TIF",
                              {{"SR_B1", Coastal}, {"SR_B2", Blue}, {"SR_B3", Green}, {"SR_B4", Red},
                               {"SR_B5", NirNarrow}, {"SR_B6", Swir1}, {"SR_B7", Swir2}},
                              scene, g30_landsat, GDT_UInt16, 0, std::nullopt, {}, landsat_dn);
            out.write(prefix + "QA_PIXEL.TIF", spec_for(g30_landsat, GDT_UInt16, qa_pixel::kFill),
                      landsat_qa(clouds, water_share(ls, landsat_grid)));
        }
        step("Landsat C2 L2");

        // HLS L30, two days later.
        write_hls_granule(names.l30_granule, render(names.l30_date.day_of_year(), "l30-radiometry", index),
                          optics(l30_sensor(o.seed, index), kLandsatOptics, "l30-optics", index), "l30", index, names.l30_date.iso() + "T16:54:32Z",
                          {{"B01", Coastal}, {"B02", Blue}, {"B03", Green}, {"B04", Red}, {"B05", NirNarrow},
                           {"B06", Swir1}, {"B07", Swir2}});
        step("HLS L30");

        // Sentinel-1 GRD, the day before: VV and VH in dB, one terrain-corrected stack.
        {
            const RasterBlock db =
                render_backscatter(ls, names.s1_date.day_of_year(), derive_seed(o.seed, "speckle", index));
            RasterSpec spec = spec_for(g10, GDT_Float32, -9999.0, 2);
            spec.descriptions = {"VV", "VH"};
            spec.band_metadata = {{{"POLARISATION", "VV"}, {"UNITS", "dB"}}, {{"POLARISATION", "VH"}, {"UNITS", "dB"}}};
            out.write(names.s1_id + ".tif", spec, db);
        }
        step("Sentinel-1 GRD");
    }

    staged.commit();
    StudyAreaSummary summary;
    summary.truth_grid = g10;
    std::set<std::uint32_t> in_area;
    for (int r = 0; r < n; ++r)
        for (int c = 0; c < n; ++c) in_area.insert(ls.field[ls.index(r + kMargin, c + kMargin)]);
    in_area.erase(0);
    summary.fields = static_cast<int>(in_area.size());
    summary.files = out.files();
    return summary;
}

}  // namespace lssr::io::synth
