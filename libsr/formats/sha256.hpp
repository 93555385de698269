#pragma once
// SHA-256 (FIPS 180-4) of files, for the provenance of models in outputs.
#include <string>
#include <vector>

namespace lssr::sr {

// Lowercase hex digest of the concatenated contents of `paths` (in order).
// Throws InputError naming a file that cannot be read.
std::string sha256_files(const std::vector<std::string>& paths);
// Digest of a string (tests).
std::string sha256_hex(const std::string& data);

}  // namespace lssr::sr
