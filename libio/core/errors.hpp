#pragma once
// Typed errors thrown by the libraries. Tools map them to exit codes:
// InputError/OutputError/Error -> 1, OptionError -> 2 (a bad option value).
#include <stdexcept>
#include <string>

namespace lssr {

// Base of every error the suite throws on purpose. The message is one line that
// names the file (or option) and the problem; tools print it as is.
class Error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// An input is missing, unreadable or unsuitable (wrong CRS, missing bands, ...).
class InputError : public Error {
public:
    using Error::Error;
};

// An output cannot be written (exists without overwrite, disk full, bad driver).
class OutputError : public Error {
public:
    using Error::Error;
};

// An option value makes no sense (bad shard spec, unknown resampling, ...):
// a usage error, exit status 2.
class OptionError : public Error {
public:
    using Error::Error;
};

// The progress callback asked to stop.
class Cancelled : public Error {
public:
    Cancelled() : Error("cancelled") {}
};

}  // namespace lssr
