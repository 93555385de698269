#include "libio/core/error_text.hpp"

#include <cstdio>

namespace lssr {
namespace {

// LibTorch's c10::Error::what() puts its C++ backtrace after the message.
bool starts_backtrace(const std::string& line) {
    return line.rfind("Exception raised from ", 0) == 0 || line.rfind("frame #", 0) == 0;
}

// Longest one-line message we print: enough for any real error, short enough
// that a message quoting a whole tensor stays readable.
constexpr std::size_t kMaxMessage = 1000;

}  // namespace

std::string escape_control(const std::string& text) {
    std::string out;
    out.reserve(text.size());
    for (const char ch : text) {
        const auto c = static_cast<unsigned char>(ch);
        if (c >= 0x20 && c != 0x7f) {
            out += ch;
            continue;
        }
        switch (c) {
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            default: {
                char buf[8];
                std::snprintf(buf, sizeof buf, "\\x%02x", c);
                out += buf;
            }
        }
    }
    return out;
}

std::string one_line(const std::string& message) {
    std::string joined;
    std::size_t at = 0;
    while (at <= message.size()) {
        std::size_t end = message.find('\n', at);
        if (end == std::string::npos) end = message.size();
        std::string line = message.substr(at, end - at);
        at = end + 1;
        // Trim blanks (and a DOS line end) so joined lines read as one sentence.
        const auto first = line.find_first_not_of(" \t\r");
        if (first == std::string::npos) continue;
        line = line.substr(first, line.find_last_not_of(" \t\r") - first + 1);
        if (starts_backtrace(line)) break;
        if (!joined.empty()) joined += ' ';
        joined += line;
    }
    std::string out = escape_control(joined);
    if (out.size() > kMaxMessage) {
        std::size_t cut = kMaxMessage;
        while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xc0) == 0x80) --cut;  // not inside a UTF-8 character
        out = out.substr(0, cut) + "...";
    }
    return out;
}

}  // namespace lssr
