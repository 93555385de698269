#include "libupscale/output_naming.hpp"

#include <gdal_priv.h>

#include <filesystem>

#include "libio/core/errors.hpp"
#include "libio/gdal/gdal_dataset.hpp"

namespace fs = std::filesystem;

namespace lssr::sr {

void OutputNaming::check() const {
    if (file.empty() == dir.empty()) throw OptionError("give either -o FILE (one input) or -O DIR");
}

void OutputNaming::check_input_count(size_t inputs) const {
    if (!file.empty() && inputs != 1) throw OptionError("-o takes one input; use -O DIR for many");
}

std::string OutputNaming::output_for(const std::string& scene_stem, const std::string& format) const {
    if (dir.empty()) return file;
    return (fs::path(dir) / (scene_stem + "_SR" + driver_extension(format))).string();
}

std::string OutputNaming::quicklook_prefix(const std::string& prefix, const std::string& output) const {
    if (prefix.empty() || dir.empty()) return prefix;
    return prefix + "_" + fs::path(output).stem().string();
}

std::string driver_extension(const std::string& format) {
    io::ensure_gdal_registered();
    GDALDriver* driver = GetGDALDriverManager()->GetDriverByName(format.c_str());
    const char* ext = driver ? driver->GetMetadataItem(GDAL_DMD_EXTENSION) : nullptr;
    return ext && *ext ? std::string(".") + ext : std::string(".tif");
}

}  // namespace lssr::sr
