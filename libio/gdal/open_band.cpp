#include "libio/gdal/open_band.hpp"

#include <gdal_priv.h>

#include "libio/gdal/gdal_dataset.hpp"

namespace lssr::io {

std::shared_ptr<GDALDataset> DatasetCache::open(const std::string& path) {
    auto it = open_.find(path);
    if (it != open_.end()) return it->second;
    DatasetPtr ds = open_raster(path);
    std::shared_ptr<GDALDataset> shared(ds.release(), GdalDatasetCloser{});
    open_[path] = shared;
    return shared;
}

}  // namespace lssr::io
