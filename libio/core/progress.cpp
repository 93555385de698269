#include "libio/core/progress.hpp"

#include <algorithm>

#include "libio/core/errors.hpp"

namespace lssr {

Progress scaled(const Progress& parent, double lo, double hi) {
    if (!parent) return {};
    return [parent, lo, hi](double fraction, std::string_view message) {
        return parent(lo + (hi - lo) * std::clamp(fraction, 0.0, 1.0), message);
    };
}

void report(const Progress& progress, double fraction, std::string_view message) {
    if (progress && !progress(std::clamp(fraction, 0.0, 1.0), message)) throw Cancelled();
}

}  // namespace lssr
