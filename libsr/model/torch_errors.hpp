#pragma once
// LibTorch reports failures as c10::Error, whose what() carries a C++
// backtrace of 20-30 lines. At the library's model-loading boundary they
// become one-line lssr::InputErrors naming the file (the full text kept as
// details for --debug); so does an allocation that cannot be satisfied.
#include <c10/util/Exception.h>

#include <new>
#include <string>

#include "libio/core/error_text.hpp"

namespace lssr::sr {

template <typename Fn>
auto naming_file_on_error(const std::string& path, Fn&& fn) -> decltype(fn()) {
    try {
        return fn();
    } catch (const c10::Error& e) {
        throw DetailedInputError(path + ": " + one_line(e.what_without_backtrace()), e.what());
    } catch (const std::bad_alloc&) {
        throw InputError(path + ": out of memory while building the model");
    }
}

}  // namespace lssr::sr
