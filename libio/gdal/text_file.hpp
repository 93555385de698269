#pragma once
// Small text files (configs, model files, metrics, CSV, logs): the one reader
// and the one writer of the suite. Writes go to a temporary name beside the
// file and are renamed into place, like every other output; GDAL virtual paths
// (/vsimem/, ...) work too.
#include <memory>
#include <string>

#include "libio/gdal/staged_output.hpp"

namespace lssr::io {

// The file's bytes. InputError naming the file when it is missing, is not a
// regular file (a FIFO would block) or cannot be read.
std::string read_text_file(const std::string& path);

// Writes `content` to `path`. OutputError naming the file when it exists and
// `overwrite` is false, or when it cannot be written (disk full, no folder).
void write_text_file(const std::string& path, const std::string& content, bool overwrite);

// Like write_text_file, but the file stays staged for the caller to commit with
// the run's other outputs (io::commit_all).
std::unique_ptr<StagedFile> stage_text_file(const std::string& path, const std::string& content, bool overwrite);

}  // namespace lssr::io
