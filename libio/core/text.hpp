#pragma once
// ASCII case folding for names, codes and option values (never locale-dependent:
// product names and GDAL keywords are ASCII).
#include <cctype>
#include <string>

namespace lssr::io {

inline std::string ascii_lower(std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

inline std::string ascii_upper(std::string s) {
    for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return s;
}

}  // namespace lssr::io
