#include "libio/gdal/grid.hpp"

#include <gdal_priv.h>
#include <ogr_spatialref.h>

#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <limits>
#include <memory>
#include <vector>

#include "libio/core/errors.hpp"
#include "libio/gdal/gdal_dataset.hpp"

namespace lssr::io {

bool Bounds::intersects(const Bounds& o) const {
    return min_x < o.max_x && o.min_x < max_x && min_y < o.max_y && o.min_y < max_y;
}

Bounds Bounds::intersection(const Bounds& o) const {
    Bounds r{std::max(min_x, o.min_x), std::max(min_y, o.min_y), std::min(max_x, o.max_x),
             std::min(max_y, o.max_y)};
    if (r.max_x < r.min_x) r.max_x = r.min_x;
    if (r.max_y < r.min_y) r.max_y = r.min_y;
    return r;
}

Bounds Grid::bounds() const {
    const double x0 = transform[0], y0 = transform[3];
    const double x1 = x0 + width * transform[1] + height * transform[2];
    const double y1 = y0 + width * transform[4] + height * transform[5];
    return {std::min(x0, x1), std::min(y0, y1), std::max(x0, x1), std::max(y0, y1)};
}

Grid Grid::refined(int factor) const {
    Grid g = *this;
    for (int i : {1, 2, 4, 5}) g.transform[i] /= factor;
    g.width = width * factor;
    g.height = height * factor;
    return g;
}

Grid Grid::window(const Window& w) const {
    Grid g = *this;
    g.transform[0] = transform[0] + w.col * transform[1] + w.row * transform[2];
    g.transform[3] = transform[3] + w.col * transform[4] + w.row * transform[5];
    g.width = w.width;
    g.height = w.height;
    return g;
}

void Grid::map_to_pixel(double x, double y, double& col, double& row) const {
    // Inverse of a (possibly rotated) affine transform.
    const double det = transform[1] * transform[5] - transform[2] * transform[4];
    const double dx = x - transform[0], dy = y - transform[3];
    col = (dx * transform[5] - dy * transform[2]) / det;
    row = (dy * transform[1] - dx * transform[4]) / det;
}

Grid grid_of(GDALDataset& dataset, const std::string& path) {
    Grid g;
    g.width = dataset.GetRasterXSize();
    g.height = dataset.GetRasterYSize();
    if (dataset.GetGeoTransform(g.transform.data()) != CE_None)
        throw InputError(path + ": has no geotransform (not georeferenced)");
    const OGRSpatialReference* srs = dataset.GetSpatialRef();
    if (!srs || srs->IsEmpty()) throw InputError(path + ": has no coordinate reference system");
    char* wkt = nullptr;
    const char* options[] = {"FORMAT=WKT2_2018", nullptr};
    srs->exportToWkt(&wkt, options);
    g.crs_wkt = wkt ? wkt : "";
    CPLFree(wkt);
    if (!g.north_up())
        throw InputError(path + ": has a rotated or south-up geotransform (warp it north-up first)");
    return g;
}

namespace {

std::unique_ptr<OGRSpatialReference> make_srs(const std::string& wkt) {
    auto srs = std::make_unique<OGRSpatialReference>();
    if (srs->SetFromUserInput(wkt.c_str()) != OGRERR_NONE) return nullptr;
    srs->SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    return srs;
}

}  // namespace

bool same_crs(const std::string& a, const std::string& b) {
    if (a == b) return true;
    auto sa = make_srs(a), sb = make_srs(b);
    if (!sa || !sb) return false;
    const char* options[] = {"IGNORE_DATA_AXIS_TO_SRS_AXIS_MAPPING=YES", nullptr};
    return sa->IsSame(sb.get(), options) != 0;
}

std::string crs_from_user_input(const std::string& text) {
    OGRSpatialReference srs;
    CPLPushErrorHandler(CPLQuietErrorHandler);  // our message replaces PROJ's
    const OGRErr err = srs.SetFromUserInput(text.c_str());
    CPLPopErrorHandler();
    if (err != OGRERR_NONE)
        throw OptionError("unknown coordinate reference system '" + text + "'");
    char* wkt = nullptr;
    const char* options[] = {"FORMAT=WKT2_2018", nullptr};
    srs.exportToWkt(&wkt, options);
    std::string out = wkt ? wkt : "";
    CPLFree(wkt);
    return out;
}

int epsg_code(const std::string& wkt) {
    auto srs = make_srs(wkt);
    if (!srs) return 0;
    srs->AutoIdentifyEPSG();
    const char* name = srs->GetAuthorityName(nullptr);
    const char* code = srs->GetAuthorityCode(nullptr);
    if (name && code && std::string(name) == "EPSG") return std::atoi(code);
    return 0;
}

PointTransform::PointTransform(const std::string& from_crs, const std::string& to_crs) {
    auto from = make_srs(from_crs), to = make_srs(to_crs);
    if (!from || !to) throw InputError("cannot interpret a coordinate reference system");
    ct_.reset(OGRCreateCoordinateTransformation(from.get(), to.get()));
    if (!ct_) throw InputError("no transformation between the coordinate reference systems");
}

PointTransform::~PointTransform() = default;
PointTransform::PointTransform(PointTransform&&) noexcept = default;
PointTransform& PointTransform::operator=(PointTransform&&) noexcept = default;

bool PointTransform::apply(double& x, double& y) const { return ct_->Transform(1, &x, &y) != 0; }

Bounds transform_bounds(const Bounds& b, const std::string& from_wkt, const std::string& to_wkt,
                        int densify) {
    if (same_crs(from_wkt, to_wkt)) return b;
    auto from = make_srs(from_wkt), to = make_srs(to_wkt);
    if (!from || !to) throw InputError("cannot interpret a coordinate reference system");
    std::unique_ptr<OGRCoordinateTransformation> ct(
        OGRCreateCoordinateTransformation(from.get(), to.get()));
    if (!ct) throw InputError("no transformation between the coordinate reference systems");
    std::vector<double> xs, ys;
    const int n = std::max(2, densify);
    for (int i = 0; i < n; ++i) {
        const double t = static_cast<double>(i) / (n - 1);
        const double x = b.min_x + t * b.width(), y = b.min_y + t * b.height();
        xs.insert(xs.end(), {x, x, b.min_x, b.max_x});
        ys.insert(ys.end(), {b.min_y, b.max_y, y, y});
    }
    std::vector<int> ok(xs.size(), 0);
    ct->Transform(static_cast<int>(xs.size()), xs.data(), ys.data(), nullptr, ok.data());
    Bounds out{std::numeric_limits<double>::max(), std::numeric_limits<double>::max(),
               std::numeric_limits<double>::lowest(), std::numeric_limits<double>::lowest()};
    bool any = false;
    for (size_t i = 0; i < xs.size(); ++i) {
        if (!ok[i] || !std::isfinite(xs[i]) || !std::isfinite(ys[i])) continue;
        any = true;
        out.min_x = std::min(out.min_x, xs[i]);
        out.max_x = std::max(out.max_x, xs[i]);
        out.min_y = std::min(out.min_y, ys[i]);
        out.max_y = std::max(out.max_y, ys[i]);
    }
    if (!any) throw InputError("the footprint cannot be transformed between the CRSs");
    return out;
}

Bounds footprint_lonlat(const Grid& grid) {
    static const std::string wgs84 = crs_from_user_input("EPSG:4326");
    return transform_bounds(grid.bounds(), grid.crs_wkt, wgs84);
}

bool aligned(const Grid& a, const Grid& b, double tolerance) {
    if (!same_crs(a.crs_wkt, b.crs_wkt)) return false;
    const double rx = a.pixel_width(), ry = a.pixel_height();
    if (std::abs(rx - b.pixel_width()) > tolerance * std::abs(rx) ||
        std::abs(ry - b.pixel_height()) > tolerance * std::abs(ry))
        return false;
    auto on_lattice = [&](double d, double step) {
        const double k = d / step;
        return std::abs(k - std::round(k)) <= tolerance * std::max(1.0, std::abs(k)) + 1e-9;
    };
    return on_lattice(b.origin_x() - a.origin_x(), rx) && on_lattice(a.origin_y() - b.origin_y(), ry);
}

bool same_grid(const Grid& a, const Grid& b, double tolerance) {
    if (a.width != b.width || a.height != b.height) return false;
    if (!same_crs(a.crs_wkt, b.crs_wkt)) return false;
    const double scale = std::max(std::abs(a.pixel_width()), std::abs(a.pixel_height()));
    for (int i = 0; i < 6; ++i)
        if (std::abs(a.transform[i] - b.transform[i]) > tolerance * scale) return false;
    return true;
}

Grid grid_covering(const std::string& crs_wkt, const Bounds& b, double resolution) {
    Grid g;
    g.crs_wkt = crs_wkt;
    const double x0 = std::floor(b.min_x / resolution + 1e-9) * resolution;
    const double y1 = std::ceil(b.max_y / resolution - 1e-9) * resolution;
    const double x1 = std::ceil(b.max_x / resolution - 1e-9) * resolution;
    const double y0 = std::floor(b.min_y / resolution + 1e-9) * resolution;
    g.transform = {x0, resolution, 0, y1, 0, -resolution};
    g.width = static_cast<int>(std::lround((x1 - x0) / resolution));
    g.height = static_cast<int>(std::lround((y1 - y0) / resolution));
    return g;
}

std::string describe(const Grid& g) {
    const int epsg = epsg_code(g.crs_wkt);
    const std::string crs = epsg ? fmt::format("EPSG:{}", epsg) : std::string("custom CRS");
    return fmt::format("{} {:g}x{:g} m {}x{} px at ({:.3f}, {:.3f})", crs, g.pixel_width(),
                       g.pixel_height(), g.width, g.height, g.origin_x(), g.origin_y());
}

}  // namespace lssr::io
