#include "libio/gdal/text_file.hpp"

#include <cpl_vsi.h>

#include "libio/core/errors.hpp"
#include "libio/core/regular_file.hpp"
#include "libio/gdal/gdal_dataset.hpp"

namespace lssr::io {

std::string read_text_file(const std::string& path) {
    if (path.rfind("/vsi", 0) != 0) require_regular_file(path);
    ensure_gdal_registered();
    VSILFILE* file = VSIFOpenL(path.c_str(), "rb");
    if (!file) throw InputError(path + ": cannot read");
    std::string content;
    char buffer[1 << 16];
    size_t n = 0;
    while ((n = VSIFReadL(buffer, 1, sizeof buffer, file)) > 0) content.append(buffer, n);
    VSIFCloseL(file);
    return content;
}

std::unique_ptr<StagedFile> stage_text_file(const std::string& path, const std::string& content, bool overwrite) {
    auto staged = std::make_unique<StagedFile>(path, overwrite);
    VSILFILE* file = VSIFOpenL(staged->temp_path().c_str(), "wb");
    if (!file) throw OutputError(path + ": cannot create the file");
    const size_t written = VSIFWriteL(content.data(), 1, content.size(), file);
    const bool closed = VSIFCloseL(file) == 0;
    if (written != content.size() || !closed) throw OutputError(path + ": write failed (disk full?)");
    return staged;
}

void write_text_file(const std::string& path, const std::string& content, bool overwrite) {
    stage_text_file(path, content, overwrite)->commit();
}

}  // namespace lssr::io
