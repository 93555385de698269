#include "libio/gdal/raster.hpp"

#include <algorithm>

#include <gdal_priv.h>
#include <cpl_string.h>

#include <cmath>

#include "libio/core/errors.hpp"
#include "libio/gdal/finite_values.hpp"
#include "libio/gdal/staged_output.hpp"

namespace lssr::io {

RasterBlock crop(const RasterBlock& block, const Window& w) {
    RasterBlock out(block.bands, w.width, w.height);
    for (int b = 0; b < block.bands; ++b)
        for (int r = 0; r < w.height; ++r)
            std::copy_n(block.band(b) + static_cast<size_t>(w.row + r) * block.width + w.col, w.width, &out.at(b, r, 0));
    return out;
}

RasterBlock read_block(GDALDataset& dataset, const std::vector<int>& bands, const Window& window,
                       const std::string& path) {
    const int count = dataset.GetRasterCount();
    for (int b : bands)
        if (b < 1 || b > count)
            throw InputError(path + ": band " + std::to_string(b) + " requested, but it has only " +
                             std::to_string(count) + " band(s)");
    if (window.col < 0 || window.row < 0 || window.col + window.width > dataset.GetRasterXSize() ||
        window.row + window.height > dataset.GetRasterYSize())
        throw InputError(path + ": read window outside the raster");
    RasterBlock block(static_cast<int>(bands.size()), window.width, window.height);
    std::vector<int> band_list(bands);
    const CPLErr err = dataset.RasterIO(
        GF_Read, window.col, window.row, window.width, window.height, block.data.data(),
        window.width, window.height, GDT_Float32, static_cast<int>(band_list.size()),
        band_list.data(), 0, 0, 0, nullptr);
    if (err != CE_None) {
        std::string reason = last_gdal_error();
        throw InputError(path + ": read failed" + (reason.empty() ? "" : ": " + reason) +
                         " (truncated or corrupt file?)");
    }
    return block;
}

RasterBlock read_scaled(GDALDataset& dataset, const std::vector<int>& bands,
                        const std::vector<BandScaling>& scalings, const Window& window,
                        const std::string& path) {
    RasterBlock block = read_block(dataset, bands, window, path);
    scale_in_place(block, scalings);  // nodata and non-finite values -> NaN
    return block;
}

GDALDataType parse_data_type(const std::string& name) {
    const GDALDataType type = GDALGetDataTypeByName(name.c_str());
    if (type == GDT_Unknown || GDALDataTypeIsComplex(type))
        throw OptionError("unknown or unsupported data type '" + name +
                          "' (Byte, UInt16, Int16, UInt32, Int32, Float32, Float64)");
    return type;
}

void validate_output_format(const std::string& format) {
    ensure_gdal_registered();
    GDALDriver* driver = GetGDALDriverManager()->GetDriverByName(format.c_str());
    if (!driver) throw OptionError("output format '" + format + "' is not a GDAL driver");
    const bool raster = driver->GetMetadataItem(GDAL_DCAP_RASTER) != nullptr;
    const bool can_write = driver->GetMetadataItem(GDAL_DCAP_CREATE) != nullptr ||
                           driver->GetMetadataItem(GDAL_DCAP_CREATECOPY) != nullptr;
    if (!raster || !can_write)
        throw OptionError("output format '" + format + "' cannot write rasters");
}

struct RasterWriter::Staging {
    std::unique_ptr<StagedRaster> final_file;  // sidecars included
    std::string work_path;      // where the dataset is created
    bool needs_copy = false;    // CreateCopy into final_file on finish
    DatasetPtr dataset;
};

namespace {

CPLStringList to_string_list(const std::vector<std::string>& items) {
    CPLStringList list;
    for (const auto& item : items) list.AddString(item.c_str());
    return list;
}

void apply_spec(GDALDataset& ds, const RasterSpec& spec, const std::string& path) {
    ds.SetGeoTransform(const_cast<double*>(spec.grid.transform.data()));
    OGRSpatialReference srs;
    if (!spec.grid.crs_wkt.empty()) {
        srs.SetFromUserInput(spec.grid.crs_wkt.c_str());
        ds.SetSpatialRef(&srs);
    }
    for (const auto& [key, value] : spec.metadata) ds.SetMetadataItem(key.c_str(), value.c_str());
    for (int b = 0; b < spec.bands; ++b) {
        GDALRasterBand* band = ds.GetRasterBand(b + 1);
        if (!band) throw OutputError(path + ": cannot access band " + std::to_string(b + 1));
        if (spec.nodata) band->SetNoDataValue(*spec.nodata);
        if (b < static_cast<int>(spec.descriptions.size())) band->SetDescription(spec.descriptions[b].c_str());
        if (b < static_cast<int>(spec.scalings.size())) {
            band->SetScale(spec.scalings[b].scale);
            band->SetOffset(spec.scalings[b].offset);
        }
        if (b < static_cast<int>(spec.band_metadata.size()))
            for (const auto& [key, value] : spec.band_metadata[b])
                band->SetMetadataItem(key.c_str(), value.c_str());
    }
}

}  // namespace

RasterWriter::RasterWriter(std::string path, const RasterSpec& spec, const OutputOptions& options)
    : path_(std::move(path)), spec_(spec), options_(options), staging_(std::make_unique<Staging>()) {
    validate_output_format(options_.format);
    if (spec_.grid.width <= 0 || spec_.grid.height <= 0 || spec_.bands <= 0)
        throw OutputError(path_ + ": empty raster requested");
    staging_->final_file = std::make_unique<StagedRaster>(path_, options_.overwrite);
    GDALDriver* driver = GetGDALDriverManager()->GetDriverByName(options_.format.c_str());
    const bool can_create = driver->GetMetadataItem(GDAL_DCAP_CREATE) != nullptr;
    GDALDriver* create_driver = driver;
    CPLStringList create_options;
    if (can_create && !options_.windowed) {
        staging_->work_path = staging_->final_file->temp_path();
        create_options = to_string_list(options_.creation_options);
    } else {
        // CreateCopy-only driver (COG), or windows written in any order: build
        // a tiled GTiff next to it first.
        create_driver = GetGDALDriverManager()->GetDriverByName("GTiff");
        staging_->needs_copy = true;
        const std::string work_folder = staging_->final_file->work_folder();
        staging_->work_path = work_folder.empty() ? temporary_sibling(path_) + ".work.tif"
                                                  : work_folder + "/work.tif";
        create_options.AddString("TILED=YES");
        create_options.AddString("BIGTIFF=IF_SAFER");
    }
    auto* raw = create_driver->Create(staging_->work_path.c_str(), spec_.grid.width, spec_.grid.height,
                                      spec_.bands, spec_.type, create_options.List());
    if (!raw)
        throw OutputError(path_ + ": cannot create: " + last_gdal_error());
    staging_->dataset.reset(raw);
    apply_spec(*staging_->dataset, spec_, path_);
    if (spec_.nodata) {
        // Start from nodata so unwritten areas read as missing, not as zero.
        for (int b = 1; b <= spec_.bands; ++b) staging_->dataset->GetRasterBand(b)->Fill(*spec_.nodata);
    }
}

RasterWriter::~RasterWriter() {
    if (staging_) {
        staging_->dataset.reset();
        if (staging_->needs_copy) VSIUnlink(staging_->work_path.c_str());
    }
}

GDALDataset& RasterWriter::dataset() { return *staging_->dataset; }

void RasterWriter::write_band(int band, const float* values, const Window& window) {
    std::vector<float> buffer(values, values + window.pixels());
    const float fill = spec_.nodata ? static_cast<float>(*spec_.nodata) : NAN;
    const bool integer = !GDALDataTypeIsFloating(spec_.type);
    for (float& v : buffer) {
        if (std::isnan(v)) v = fill;
        else if (integer) v = std::nearbyint(v);
    }
    GDALRasterBand* b = staging_->dataset->GetRasterBand(band + 1);
    if (b->RasterIO(GF_Write, window.col, window.row, window.width, window.height, buffer.data(),
                    window.width, window.height, GDT_Float32, 0, 0, nullptr) != CE_None)
        throw OutputError(path_ + ": write failed: " + last_gdal_error());
}

void RasterWriter::write(const RasterBlock& block, const Window& window) {
    if (block.bands != spec_.bands || block.width != window.width || block.height != window.height)
        throw OutputError(path_ + ": block shape does not match the window");
    for (int b = 0; b < block.bands; ++b) write_band(b, block.band(b), window);
}

void RasterWriter::set_color_table(const std::map<int, std::array<unsigned char, 4>>& entries) {
    GDALColorTable table;
    for (const auto& [value, rgba] : entries) {
        GDALColorEntry e{rgba[0], rgba[1], rgba[2], rgba[3]};
        table.SetColorEntry(value, &e);
    }
    staging_->dataset->GetRasterBand(1)->SetColorTable(&table);
    staging_->dataset->GetRasterBand(1)->SetColorInterpretation(GCI_PaletteIndex);
}

void RasterWriter::finish(const Progress& progress) {
    finish_staged(progress)->commit();
    report(progress, 1.0);
}

std::unique_ptr<StagedOutput> RasterWriter::finish_staged(const Progress& progress) {
    if (!staging_->final_file) throw OutputError(path_ + ": finished already");
    if (staging_->needs_copy) {
        GDALDriver* driver = GetGDALDriverManager()->GetDriverByName(options_.format.c_str());
        CPLStringList copy_options = to_string_list(options_.creation_options);
        struct Ctx { const Progress* p; };
        Ctx ctx{&progress};
        auto trampoline = [](double f, const char*, void* arg) -> int {
            auto* c = static_cast<Ctx*>(arg);
            return (!*c->p || (*c->p)(f, "writing")) ? 1 : 0;
        };
        DatasetPtr copy(driver->CreateCopy(staging_->final_file->temp_path().c_str(),
                                           staging_->dataset.get(), FALSE, copy_options.List(),
                                           trampoline, &ctx));
        if (!copy) throw OutputError(path_ + ": cannot write " + options_.format + ": " + last_gdal_error());
        copy.reset();
        staging_->dataset.reset();
        VSIUnlink(staging_->work_path.c_str());
        staging_->needs_copy = false;
    } else {
        staging_->dataset->FlushCache();
        CPLErrorReset();
        staging_->dataset.reset();  // closing writes the last blocks
        // A failure while closing (disk full) must not be renamed into place.
        if (CPLGetLastErrorType() >= CE_Failure)
            throw OutputError(path_ + ": write failed: " + last_gdal_error());
    }
    return std::move(staging_->final_file);
}

void write_raster(const std::string& path, const RasterSpec& spec, const RasterBlock& block,
                  const OutputOptions& options) {
    RasterWriter writer(path, spec, options);
    writer.write(block, Window{0, 0, block.width, block.height});
    writer.finish();
}

DatasetPtr memory_dataset(const RasterBlock& block, const Grid& grid, bool nan_is_nodata) {
    GDALDriver* mem = GetGDALDriverManager()->GetDriverByName("MEM");
    DatasetPtr ds(mem->Create("", block.width, block.height, block.bands, GDT_Float32, nullptr));
    if (!ds) throw Error("cannot allocate an in-memory raster");
    ds->SetGeoTransform(const_cast<double*>(grid.transform.data()));
    OGRSpatialReference srs;
    srs.SetFromUserInput(grid.crs_wkt.c_str());
    // Grids hold x = easting/longitude: without this a geographic CRS read its
    // geotransform as (lat, lon) and the warp found no source pixel (all NaN).
    srs.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    ds->SetSpatialRef(&srs);
    for (int b = 0; b < block.bands; ++b) {
        GDALRasterBand* band = ds->GetRasterBand(b + 1);
        if (nan_is_nodata) band->SetNoDataValue(NAN);
        if (band->RasterIO(GF_Write, 0, 0, block.width, block.height, const_cast<float*>(block.band(b)),
                           block.width, block.height, GDT_Float32, 0, 0, nullptr) != CE_None)
            throw Error("cannot fill an in-memory raster: " + last_gdal_error());
    }
    return ds;
}

}  // namespace lssr::io
