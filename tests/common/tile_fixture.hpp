#pragma once
// A small synthetic LR/HR pair with DEM, land cover and Sentinel-1 for the
// lssr-tile tests. Every layer samples known fields of the ground position
// (UTM 15N metres), whatever CRS the layer is stored in, so a test can say
// where each value must land.
#include <ogr_spatialref.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "libio/gdal/grid.hpp"
#include "libio/gdal/raster.hpp"
#include "libio/products/scene.hpp"
#include "libio/tiling/training_dataset.hpp"
#include "support.hpp"

namespace lssr::test::tile {

inline constexpr double kX0 = 500010.0, kY0 = 4200000.0;  // LR origin (UTM 15N)
inline constexpr int kLrSize = 48;                        // LR pixels (30 m)
inline constexpr double kHrX0 = kX0 + 60.0;               // HR starts 2 LR pixels east
inline constexpr int kPatch = 16;                         // LR patch used by the tests

// Reflectance of band b (0..5) at a ground position: a plane, so averages and
// bilinear interpolation reproduce it and any shift changes it measurably.
inline double reflectance(int b, double x, double y) {
    return 0.05 * (b + 1) + 2e-4 * (x - 500000.0) + 1e-4 * (4200000.0 - y);
}
inline double elevation(double x, double y) {
    return 200.0 + 0.05 * (x - 500000.0) + 0.02 * (4200000.0 - y);
}
inline int landcover_class(double x) {
    return static_cast<int>(std::floor((x - 500000.0) / 100.0)) % 9;
}

struct Knobs {
    int hr_epsg = 32615;
    int dem_epsg = 4326;  // 0: DEM without a CRS
    int lr_bands = 6;
    bool clouds = false;   // Fmask cloud over patch (1,0), SCL cloud over patch (0,1)
    bool lr_hole = false;  // one nodata LR pixel in patch (2,1)
    bool all_nodata = false;
};

struct PairFiles {
    std::string lr_stack, fmask, s2_10m, s2_20m, scl, s1, dem, landcover, manifest;
    io::PairRecord pair;
};

// Calls fn(x, y) with the UTM 15N position of every pixel centre of `grid`.
class GroundPositions {
public:
    explicit GroundPositions(const io::Grid& grid) : grid_(grid), to_utm15_(grid.crs_wkt, "EPSG:32615") {}
    void at(int row, int col, double& x, double& y) const {
        x = grid_.origin_x() + (col + 0.5) * grid_.pixel_width();
        y = grid_.origin_y() - (row + 0.5) * grid_.pixel_height();
        to_utm15_.apply(x, y);
    }

private:
    io::Grid grid_;
    io::PointTransform to_utm15_;
};

template <typename Fn>
void write_field(const std::string& path, const io::Grid& grid, int bands, GDALDataType type, Fn fn,
                 std::optional<double> nodata = std::nullopt, std::vector<io::BandScaling> scalings = {},
                 std::vector<std::string> descriptions = {}) {
    io::RasterSpec spec;
    spec.grid = grid;
    spec.bands = bands;
    spec.type = type;
    spec.nodata = nodata;
    spec.scalings = scalings;
    spec.descriptions = descriptions;
    io::RasterBlock block(bands, grid.width, grid.height);
    GroundPositions ground(grid.crs_wkt.empty() ? utm_grid(1, 1, 1) : grid);
    for (int r = 0; r < grid.height; ++r)
        for (int c = 0; c < grid.width; ++c) {
            double x = 0, y = 0;
            if (grid.crs_wkt.empty()) {
                x = grid.origin_x() + (c + 0.5) * grid.pixel_width();
                y = grid.origin_y() - (r + 0.5) * grid.pixel_height();
            } else {
                ground.at(r, c, x, y);
            }
            for (int b = 0; b < bands; ++b) block.at(b, r, c) = static_cast<float>(fn(b, r, c, x, y));
        }
    io::write_raster(path, spec, block, io::OutputOptions{});
}

// A grid in EPSG:epsg covering the LR scene (plus a margin) at `pixel`.
inline io::Grid covering_grid(int epsg, double pixel, double margin) {
    const io::Grid lr = utm_grid(kLrSize, kLrSize, 30.0, kX0, kY0);
    io::Bounds b = lr.bounds();
    const std::string wkt = io::crs_from_user_input("EPSG:" + std::to_string(epsg));
    b = io::transform_bounds(b, lr.crs_wkt, wkt);
    b = io::Bounds{b.min_x - margin, b.min_y - margin, b.max_x + margin, b.max_y + margin};
    return io::grid_covering(wkt, b, pixel);
}

inline void write_manifest(const std::string& path, const std::vector<io::PairRecord>& pairs) {
    std::ofstream out(path);
    for (const auto& p : pairs) out << io::to_json(p).dump() << "\n";
}

inline PairFiles make_pair(const TempDir& dir, const Knobs& k = {}, const std::string& id = "p1") {
    PairFiles f;
    f.lr_stack = dir.file(id + "-lr.tif");
    f.fmask = dir.file(id + "-fmask.tif");
    f.s2_10m = dir.file(id + "-s2-10m.tif");
    f.s2_20m = dir.file(id + "-s2-20m.tif");
    f.scl = dir.file(id + "-scl.tif");
    f.s1 = dir.file(id + "-s1.tif");
    f.dem = dir.file(id + "-dem.tif");
    f.landcover = dir.file(id + "-lc.tif");
    f.manifest = dir.file(id + ".jsonl");

    // LR: HLS-like Int16 stack with scale 0.0001 in its metadata, nodata -9999.
    const io::Grid lr = utm_grid(kLrSize, kLrSize, 30.0, kX0, kY0);
    write_field(
        f.lr_stack, lr, k.lr_bands, GDT_Int16,
        [&](int b, int r, int c, double x, double y) {
            if (k.all_nodata || (k.lr_hole && b == 2 && r == 40 && c == 20)) return -9999.0;
            return std::round(reflectance(b, x, y) / 1e-4);
        },
        -9999.0, std::vector<io::BandScaling>(k.lr_bands, io::BandScaling{1e-4, 0.0, -9999.0}));
    write_field(
        f.fmask, lr, 1, GDT_Byte,
        [&](int, int r, int c, double, double) {
            // bit 1 = cloud over LR patch (row 1, col 0): rows 16..31, cols 2..17
            return (k.clouds && r >= 16 && r < 32 && c >= 2 && c < 18) ? 2.0 : 0.0;
        },
        255.0);

    // HR: S2 L2A-like UInt16, DN = rho*10000 + 1000, no scale metadata (as JP2s).
    const bool same_zone = k.hr_epsg == 32615;
    const io::Grid hr10 =
        same_zone ? utm_grid(130, 144, 10.0, kHrX0, kY0) : covering_grid(k.hr_epsg, 10.0, 30.0);
    const io::Grid hr20 =
        same_zone ? utm_grid(65, 72, 20.0, kHrX0, kY0) : covering_grid(k.hr_epsg, 20.0, 40.0);
    auto s2_dn = [](double rho) { return std::round(rho * 10000.0) + 1000.0; };
    write_field(
        f.s2_10m, hr10, 4, GDT_UInt16,
        [&](int b, int, int, double x, double y) { return s2_dn(reflectance(b, x, y)); }, 0.0);
    write_field(
        f.s2_20m, hr20, 2, GDT_UInt16,
        [&](int b, int, int, double x, double y) { return s2_dn(reflectance(b + 4, x, y)); }, 0.0);
    write_field(
        f.scl, hr20, 1, GDT_Byte,
        [&](int, int, int, double x, double y) {
            // cloud (9) over LR patch (row 0, col 1): x 500550..501030, y 4199520..4200000
            return (k.clouds && x > 500550 && x < 501030 && y > 4199520) ? 9.0 : 4.0;
        },
        0.0);

    // Sentinel-1 at 5 m in dB: a checkerboard of two linear powers, so the 10 m
    // average in linear power is known (0.02 VV, 0.004 VH).
    const io::Grid s1 = utm_grid(6 * kLrSize, 6 * kLrSize, 5.0, kX0, kY0);
    write_field(f.s1, s1, 2, GDT_Float32,
                [](int b, int r, int c, double, double) {
                    const double lin = ((r + c) % 2 ? 0.03 : 0.01) * (b == 0 ? 1.0 : 0.2);
                    return 10.0 * std::log10(lin);
                },
                -9999.0, {}, {"VV", "VH"});

    // DEM (EPSG:4326 like 3DEP, another zone, or no CRS) and land cover (10 m UTM).
    io::Grid dem;
    if (k.dem_epsg == 4326)
        dem = covering_grid(4326, 1e-4, 5e-4);
    else if (k.dem_epsg == 0) {
        dem = utm_grid(150, 150, 10.0, kX0, kY0);
        dem.crs_wkt.clear();
    } else
        dem = covering_grid(k.dem_epsg, 10.0, 30.0);
    write_field(f.dem, dem, 1, GDT_Float32,
                [](int, int, int, double x, double y) { return elevation(x, y); });
    write_field(f.landcover, utm_grid(3 * kLrSize, 3 * kLrSize, 10.0, kX0, kY0), 1, GDT_Byte,
                [](int, int, int, double x, double) { return landcover_class(x); });

    io::PairRecord& p = f.pair;
    p.id = id;
    p.lr.id = "HLS.L30.T15TVG.2021179T165432.v2.0";
    p.lr.sensor = "hls-l30";
    p.lr.date = "2021-06-28";
    p.hr.id = "S2A_MSIL2A_20210626T170901_N0500_R069_T15TVG_20210626T212001";
    p.hr.sensor = "sentinel2";
    p.hr.date = "2021-06-26";
    const char* roles[] = {"blue", "green", "red", "nir", "swir1", "swir2"};
    for (int b = 0; b < 6; ++b) {
        // Product defaults that the file's own scale metadata must override.
        p.lr.bands[roles[b]] = io::BandRef{f.lr_stack, b + 1, io::BandScaling{2.75e-5, -0.2, 0.0}};
        p.hr.bands[roles[b]] = b < 4 ? io::BandRef{f.s2_10m, b + 1, io::BandScaling{1e-4, -0.1, 0.0}}
                                     : io::BandRef{f.s2_20m, b - 3, io::BandScaling{1e-4, -0.1, 0.0}};
    }
    p.lr.bands["fmask"] = io::BandRef{f.fmask, 1, io::BandScaling{1, 0, 255.0}};
    p.hr.bands["scl"] = io::BandRef{f.scl, 1, io::BandScaling{1, 0, 0.0}};
    io::SceneRef s1ref;
    s1ref.id = "S1A_IW_GRDH_1SDV_20210625T001512_20210625T001537_038512_048B4E_1A2B";
    s1ref.sensor = "sentinel1";
    s1ref.date = "2021-06-25";
    s1ref.bands["vv"] = io::BandRef{f.s1, 1, {}};
    s1ref.bands["vh"] = io::BandRef{f.s1, 2, {}};
    p.s1 = s1ref;
    write_manifest(f.manifest, {p});
    return f;
}

// Dataset options for the fixture's pair: its manifest, DEM and land cover, the test patch size.
inline io::DatasetOptions options_for(const PairFiles& f, const std::string& out) {
    io::DatasetOptions o;
    o.manifest = f.manifest;
    o.dem = f.dem;
    o.landcover = f.landcover;
    o.out_dir = out;
    o.patch = kPatch;
    return o;
}

// The lines of a dataset's index.jsonl.
inline std::vector<nlohmann::json> read_index(const std::string& dir) {
    std::ifstream in(std::filesystem::path(dir) / "index.jsonl");
    std::vector<nlohmann::json> lines;
    std::string line;
    while (std::getline(in, line)) lines.push_back(nlohmann::json::parse(line));
    return lines;
}

}  // namespace lssr::test::tile
