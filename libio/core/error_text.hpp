#pragma once
// One-line error text (SPEC §3: "<tool>: error: <what and which file>").
// Foreign messages (LibTorch's carry a C++ backtrace, GDAL's may span lines)
// are reduced to one line; an error may keep the full foreign text for --debug.
#include <string>

#include "libio/core/errors.hpp"

namespace lssr {

// A foreign message as one line: the backtrace LibTorch appends ("Exception
// raised from ...", "frame #N: ...") dropped, the remaining lines joined with
// spaces, other control characters escaped, an overlong text cut.
std::string one_line(const std::string& message);

// Control characters (newline, tab, escape, ...) as C escapes ("\\n", "\\x1b"),
// for names read from files and quoted in messages.
std::string escape_control(const std::string& text);

// An InputError standing for a foreign error whose full text (LibTorch's
// backtrace) tools show with --debug.
class DetailedInputError : public InputError {
public:
    DetailedInputError(const std::string& message, std::string details)
        : InputError(message), details_(std::move(details)) {}
    const std::string& details() const { return details_; }

private:
    std::string details_;
};

}  // namespace lssr
