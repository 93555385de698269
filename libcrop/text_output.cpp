#include "libcrop/text_output.hpp"

#include <cpl_vsi.h>

#include "libio/errors.hpp"
#include "libio/gdal_dataset.hpp"
#include "libio/staged_output.hpp"

namespace lssr::crop {

std::unique_ptr<io::StagedFile> stage_text_file(const std::string& path, const std::string& content,
                                                bool overwrite) {
    auto staged = std::make_unique<io::StagedFile>(path, overwrite);
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

std::string read_text_file(const std::string& path) {
    io::ensure_gdal_registered();
    VSILFILE* file = VSIFOpenL(path.c_str(), "rb");
    if (!file) throw InputError(path + ": cannot open the file");
    std::string content;
    char buffer[1 << 16];
    size_t n = 0;
    while ((n = VSIFReadL(buffer, 1, sizeof buffer, file)) > 0) content.append(buffer, n);
    VSIFCloseL(file);
    return content;
}

}  // namespace lssr::crop
