#include "libio/gdal/gdal_dataset.hpp"

#include <gdal_priv.h>
#include <cpl_error.h>
#include <cpl_vsi.h>

#include <mutex>

#include "libio/core/error_text.hpp"

namespace lssr::io {
namespace {

thread_local std::string t_last_error;

void CPL_STDCALL record_error(CPLErr level, CPLErrorNum, const char* message) {
    if (level >= CE_Failure && message) t_last_error = message;
}

DatasetPtr open_with_flags(const std::string& path, unsigned flags) {
    ensure_gdal_registered();
    t_last_error.clear();
    CPLErrorReset();
    // Record the reason instead of letting GDAL print it; we throw one clear line.
    CPLPushErrorHandler(record_error);
    auto* raw = static_cast<GDALDataset*>(
        GDALOpenEx(path.c_str(), flags | GDAL_OF_RASTER | GDAL_OF_VERBOSE_ERROR, nullptr,
                   nullptr, nullptr));
    CPLPopErrorHandler();
    if (!raw) {
        if (!path_exists(path)) throw InputError(path + ": no such file");
        std::string reason = t_last_error.empty() ? "not a readable raster" : one_line(t_last_error);
        // GDAL often repeats the path at the start of its message; avoid saying it twice.
        if (reason.rfind(path, 0) == 0) reason = reason.substr(path.size());
        while (!reason.empty() && (reason.front() == ':' || reason.front() == ' '))
            reason.erase(reason.begin());
        throw InputError(path + ": cannot open as a raster: " + reason);
    }
    DatasetPtr dataset(raw);
    if (dataset->GetRasterCount() < 1) throw InputError(path + ": has no raster bands");
    return dataset;
}

}  // namespace

void GdalDatasetCloser::operator()(GDALDataset* dataset) const {
    if (dataset) GDALClose(GDALDataset::ToHandle(dataset));
}

void ensure_gdal_registered() {
    static std::once_flag once;
    std::call_once(once, [] { GDALAllRegister(); });
}

DatasetPtr open_raster(const std::string& path) { return open_with_flags(path, GDAL_OF_READONLY); }

DatasetPtr open_raster_for_update(const std::string& path) {
    return open_with_flags(path, GDAL_OF_UPDATE);
}

std::string last_gdal_error() {
    // GDAL's messages may span lines (the PNG driver's band-count one does).
    if (!t_last_error.empty()) return one_line(t_last_error);
    const char* message = CPLGetLastErrorMsg();
    return message ? one_line(message) : "";
}

QuietGdalErrors::QuietGdalErrors()
    : previous_global_handler_(reinterpret_cast<void*>(CPLSetErrorHandler(record_error))) {
    CPLPushErrorHandler(record_error);
}

QuietGdalErrors::~QuietGdalErrors() {
    CPLPopErrorHandler();
    CPLSetErrorHandler(reinterpret_cast<CPLErrorHandler>(previous_global_handler_));
}

bool path_exists(const std::string& path) {
    VSIStatBufL stat;
    return VSIStatL(path.c_str(), &stat) == 0;
}

}  // namespace lssr::io
