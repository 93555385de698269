#pragma once
// Small text outputs (model files, metrics, CSV) written under a temporary name
// and renamed into place, like every other output of the suite.
#include <memory>
#include <string>

#include "libio/staged_output.hpp"

namespace lssr::crop {

// Throws OutputError naming the file when it exists (without overwrite) or
// cannot be written. Works on GDAL virtual paths too.
void write_text_file(const std::string& path, const std::string& content, bool overwrite);

// Like write_text_file, but the file stays staged for the caller to commit with
// the run's other outputs (io::commit_all).
std::unique_ptr<io::StagedFile> stage_text_file(const std::string& path, const std::string& content,
                                                bool overwrite);

// The whole file; throws InputError naming it when it cannot be read.
std::string read_text_file(const std::string& path);

}  // namespace lssr::crop
