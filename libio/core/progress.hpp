#pragma once
#include <functional>
#include <string_view>

namespace lssr {

// Progress callback: fraction in [0,1] and a short message; return false to cancel.
// Libraries report through it and never print. An empty Progress is silent.
using Progress = std::function<bool(double fraction, std::string_view message)>;

// Maps [0,1] of a sub-task onto [lo,hi] of the parent's range.
Progress scaled(const Progress& parent, double lo, double hi);

// Calls progress (if any) and throws lssr::Cancelled when it returns false.
void report(const Progress& progress, double fraction, std::string_view message = {});

}  // namespace lssr
