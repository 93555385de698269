#include "libio/products/fmask.hpp"

#include <sstream>

#include "libio/core/errors.hpp"

namespace lssr::io {

FmaskPolicy FmaskPolicy::parse(const std::string& text) {
    FmaskPolicy policy;
    policy.bad_bits = 0;
    if (text == "none") return policy;
    std::stringstream stream(text);
    std::string item;
    while (std::getline(stream, item, ',')) {
        if (item == "cloud") policy.bad_bits |= fmask::kCloud;
        else if (item == "adjacent") policy.bad_bits |= fmask::kAdjacent;
        else if (item == "shadow") policy.bad_bits |= fmask::kShadow;
        else if (item == "snow") policy.bad_bits |= fmask::kSnow;
        else if (item == "water") policy.bad_bits |= fmask::kWater;
        else if (item == "cirrus") policy.bad_bits |= fmask::kCirrus;
        else if (item == "aerosol>=high") policy.max_aerosol = 2;
        else if (item == "aerosol>=moderate") policy.max_aerosol = 1;
        else if (item == "aerosol>=low") policy.max_aerosol = 0;
        else
            throw OptionError("unknown Fmask condition '" + item +
                              "' (cloud, adjacent, shadow, snow, water, cirrus, aerosol>=high|moderate|low, none)");
    }
    return policy;
}

}  // namespace lssr::io
