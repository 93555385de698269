#include "libio/gdal/warp.hpp"

#include <gdal_priv.h>
#include <gdalwarper.h>

#include <cctype>
#include <cmath>

#include "libio/core/errors.hpp"
#include "libio/gdal/finite_values.hpp"
#include "libio/core/text.hpp"

namespace lssr::io {

Resampling parse_resampling(const std::string& name) {
    const std::string n = ascii_lower(name);
    if (n == "near" || n == "nearest") return Resampling::Nearest;
    if (n == "bilinear") return Resampling::Bilinear;
    if (n == "cubic") return Resampling::Cubic;
    if (n == "cubicspline") return Resampling::CubicSpline;
    if (n == "lanczos") return Resampling::Lanczos;
    if (n == "average") return Resampling::Average;
    if (n == "mode") return Resampling::Mode;
    throw OptionError("unknown resampling method '" + name +
                      "' (near, bilinear, cubic, cubicspline, lanczos, average, mode)");
}

const char* resampling_name(Resampling method) {
    switch (method) {
        case Resampling::Nearest: return "near";
        case Resampling::Bilinear: return "bilinear";
        case Resampling::Cubic: return "cubic";
        case Resampling::CubicSpline: return "cubicspline";
        case Resampling::Lanczos: return "lanczos";
        case Resampling::Average: return "average";
        case Resampling::Mode: return "mode";
    }
    return "?";
}

namespace {

GDALResampleAlg to_gdal(Resampling method) {
    switch (method) {
        case Resampling::Nearest: return GRA_NearestNeighbour;
        case Resampling::Bilinear: return GRA_Bilinear;
        case Resampling::Cubic: return GRA_Cubic;
        case Resampling::CubicSpline: return GRA_CubicSpline;
        case Resampling::Lanczos: return GRA_Lanczos;
        case Resampling::Average: return GRA_Average;
        case Resampling::Mode: return GRA_Mode;
    }
    return GRA_NearestNeighbour;
}

struct WarpOptionsDeleter {
    void operator()(GDALWarpOptions* o) const {
        if (!o) return;
        if (o->pTransformerArg) GDALDestroyGenImgProjTransformer(o->pTransformerArg);
        GDALDestroyWarpOptions(o);
    }
};

}  // namespace

RasterBlock warp_to_grid(GDALDataset& source, const std::string& path, const Grid& target,
                         const WarpRequest& request) {
    const int n = static_cast<int>(request.bands.size());
    for (int b : request.bands)
        if (b < 1 || b > source.GetRasterCount())
            throw InputError(path + ": band " + std::to_string(b) + " requested, but it has only " +
                             std::to_string(source.GetRasterCount()) + " band(s)");
    // Check georeferencing up front so the message is ours, not the warper's.
    (void)grid_of(source, path);

    GDALDriver* mem = GetGDALDriverManager()->GetDriverByName("MEM");
    DatasetPtr dest(mem->Create("", target.width, target.height, n, GDT_Float32, nullptr));
    if (!dest) throw Error("cannot allocate a " + std::to_string(target.width) + "x" +
                           std::to_string(target.height) + " warp buffer");
    dest->SetGeoTransform(const_cast<double*>(target.transform.data()));
    OGRSpatialReference srs;
    srs.SetFromUserInput(target.crs_wkt.c_str());
    // Grids hold x = easting/longitude, as GeoTIFFs do, even for lat/lon-ordered CRSs.
    srs.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    dest->SetSpatialRef(&srs);

    std::unique_ptr<GDALWarpOptions, WarpOptionsDeleter> wo(GDALCreateWarpOptions());
    wo->hSrcDS = GDALDataset::ToHandle(&source);
    wo->hDstDS = GDALDataset::ToHandle(dest.get());
    wo->nBandCount = n;
    wo->panSrcBands = static_cast<int*>(CPLMalloc(sizeof(int) * n));
    wo->panDstBands = static_cast<int*>(CPLMalloc(sizeof(int) * n));
    wo->padfSrcNoDataReal = static_cast<double*>(CPLMalloc(sizeof(double) * n));
    wo->padfDstNoDataReal = static_cast<double*>(CPLMalloc(sizeof(double) * n));
    bool any_src_nodata = false;
    for (int i = 0; i < n; ++i) {
        wo->panSrcBands[i] = request.bands[i];
        wo->panDstBands[i] = i + 1;
        int has = 0;
        double nodata = source.GetRasterBand(request.bands[i])->GetNoDataValue(&has);
        if (request.source_nodata) { nodata = *request.source_nodata; has = 1; }
        // NaN marks "no nodata value" for bands without one.
        wo->padfSrcNoDataReal[i] = has ? nodata : NAN;
        any_src_nodata = any_src_nodata || has;
        wo->padfDstNoDataReal[i] = NAN;
        dest->GetRasterBand(i + 1)->SetNoDataValue(NAN);
    }
    if (!any_src_nodata) {
        CPLFree(wo->padfSrcNoDataReal);
        wo->padfSrcNoDataReal = nullptr;
    }
    wo->eResampleAlg = to_gdal(request.method);
    wo->papszWarpOptions = CSLSetNameValue(wo->papszWarpOptions, "INIT_DEST", "NO_DATA");
    wo->pTransformerArg = GDALCreateGenImgProjTransformer2(wo->hSrcDS, wo->hDstDS, nullptr);
    if (!wo->pTransformerArg)
        throw InputError(path + ": cannot transform to the target grid: " + last_gdal_error());
    wo->pfnTransformer = GDALGenImgProjTransform;

    GDALWarpOperation op;
    if (op.Initialize(wo.get()) != CE_None ||
        op.ChunkAndWarpImage(0, 0, target.width, target.height) != CE_None)
        throw InputError(path + ": warping failed: " + last_gdal_error());

    std::vector<int> all(n);
    for (int i = 0; i < n; ++i) all[i] = i + 1;
    return read_block(*dest, all, Window{0, 0, target.width, target.height}, path);
}

RasterBlock warp_scaled(GDALDataset& source, const std::string& path, const Grid& target,
                        const WarpRequest& request, const std::vector<BandScaling>& scalings) {
    WarpRequest req = request;
    if (!req.source_nodata && !scalings.empty() && scalings.front().nodata)
        req.source_nodata = scalings.front().nodata;
    RasterBlock block = warp_to_grid(source, path, target, req);
    for (int b = 0; b < block.bands; ++b) {
        const BandScaling& s = scalings.at(b);
        float* v = block.band(b);
        for (size_t i = 0; i < block.plane(); ++i)
            v[i] = finite_scaled(v[i], s);  // NaN stays NaN; +-Inf become missing
    }
    return block;
}

}  // namespace lssr::io
