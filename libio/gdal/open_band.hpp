#pragma once
// Input bands opened once: a cache of datasets by path, and one band of one of
// them with the scaling that turns its stored values into physical values.
#include <map>
#include <memory>
#include <string>

#include "libio/gdal/bands.hpp"

class GDALDataset;

namespace lssr::io {

// One band of an input, opened, with the scaling that turns its DNs into values.
struct OpenBand {
    std::shared_ptr<GDALDataset> dataset;
    std::string path;
    int band = 1;
    BandScaling scaling;
};

// Opens each file once however many roles point into it (open_raster's errors).
class DatasetCache {
public:
    std::shared_ptr<GDALDataset> open(const std::string& path);

private:
    std::map<std::string, std::shared_ptr<GDALDataset>> open_;
};

}  // namespace lssr::io
