#pragma once
// Whole small text files (config.json and the like).
#include <string>

namespace lssr::io {

// The file's bytes; InputError "<path>: cannot read" when it cannot be opened.
std::string read_text_file(const std::string& path);

// Writes `text` to a temporary name beside `path` and renames it into place
// (replacing an existing file). Throws OutputError.
void write_text_file(const std::string& path, const std::string& text);

}  // namespace lssr::io
