#pragma once
// RAII ownership of GDAL datasets and opening with errors that name the file.
#include <memory>
#include <string>

class GDALDataset;

namespace lssr::io {

struct GdalDatasetCloser {
    void operator()(GDALDataset* dataset) const;
};
using DatasetPtr = std::unique_ptr<GDALDataset, GdalDatasetCloser>;

// Registers GDAL drivers once (thread-safe, idempotent).
void ensure_gdal_registered();

// Opens a raster read-only. Throws InputError "<path>: <reason>" when the file is
// missing, not a raster, or truncated so that GDAL cannot read its header.
DatasetPtr open_raster(const std::string& path);

// Opens a raster for update (used by writers that fill a dataset they created).
DatasetPtr open_raster_for_update(const std::string& path);

// The text of the last GDAL error raised on this thread, or "" (for messages).
std::string last_gdal_error();

// While alive, GDAL errors and warnings are recorded (for last_gdal_error)
// instead of printed: on this thread, and on GDAL's worker threads (warper,
// decoders), which a per-thread handler does not reach. Tools install one per
// run unless --debug.
class QuietGdalErrors {
public:
    QuietGdalErrors();
    ~QuietGdalErrors();
    QuietGdalErrors(const QuietGdalErrors&) = delete;
    QuietGdalErrors& operator=(const QuietGdalErrors&) = delete;

private:
    void* previous_global_handler_ = nullptr;  // a CPLErrorHandler
};

// True when the path names something GDAL's virtual file system can stat
// (local files, /vsizip/, /vsicurl/ ...).
bool path_exists(const std::string& path);

}  // namespace lssr::io
