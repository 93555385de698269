#include "libcrop/features.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "libio/core/errors.hpp"
#include "libio/core/text.hpp"

namespace lssr::crop {
namespace {

// A normalised difference that is 0 (not NaN) when both terms are 0.
inline float normalised_difference(float a, float b) {
    const float sum = a + b;
    return sum == 0.0f ? 0.0f : (a - b) / sum;
}

enum Role { kBlue, kGreen, kRed, kNir, kSwir1, kSwir2 };

float index_value(SpectralIndex index, const float* r) {
    switch (index) {
        case SpectralIndex::Ndvi: return normalised_difference(r[kNir], r[kRed]);
        case SpectralIndex::Ndwi: return normalised_difference(r[kGreen], r[kNir]);  // McFeeters
        case SpectralIndex::Evi: {
            const float denominator = r[kNir] + 6.0f * r[kRed] - 7.5f * r[kBlue] + 1.0f;
            return denominator == 0.0f ? 0.0f : 2.5f * (r[kNir] - r[kRed]) / denominator;
        }
    }
    return 0.0f;
}

}  // namespace

std::string index_name(SpectralIndex index) {
    switch (index) {
        case SpectralIndex::Ndvi: return "ndvi";
        case SpectralIndex::Ndwi: return "ndwi";
        case SpectralIndex::Evi: return "evi";
    }
    return "?";
}

SpectralIndex index_from_name(const std::string& name) {
    for (SpectralIndex i : {SpectralIndex::Ndvi, SpectralIndex::Ndwi, SpectralIndex::Evi})
        if (index_name(i) == name) return i;
    throw InputError("unknown spectral index '" + name + "'");
}

std::vector<SpectralIndex> parse_indices(const std::string& text) {
    std::vector<SpectralIndex> out;
    if (text == "none" || text.empty()) return out;
    std::istringstream in(text);
    std::string item;
    while (std::getline(in, item, ',')) {
        const std::string lower = io::ascii_lower(item);
        SpectralIndex index;
        try {
            index = index_from_name(lower);
        } catch (const InputError&) {
            throw OptionError("unknown index '" + item + "' (ndvi, ndwi, evi, or none)");
        }
        if (std::find(out.begin(), out.end(), index) != out.end())
            throw OptionError("index '" + item + "' is listed twice");
        out.push_back(index);
    }
    return out;
}

std::vector<std::string> feature_names(int images, const std::vector<SpectralIndex>& indices) {
    static const char* roles[] = {"blue", "green", "red", "nir", "swir1", "swir2"};
    std::vector<std::string> names;
    for (int t = 1; t <= images; ++t) {
        const std::string prefix = "t" + std::to_string(t) + "_";
        for (const char* role : roles) names.push_back(prefix + role);
        for (SpectralIndex index : indices) names.push_back(prefix + index_name(index));
    }
    return names;
}

FeatureBlock compute_features(ImageStack& stack, const std::vector<SpectralIndex>& indices,
                              const io::Window& window) {
    FeatureBlock out;
    out.width = window.width;
    out.height = window.height;
    const int per_image = 6 + static_cast<int>(indices.size());
    out.count = per_image * stack.size();
    const size_t pixels = static_cast<size_t>(window.width) * window.height;
    out.values.assign(pixels * out.count, 0.0f);
    out.valid.assign(pixels, 1);
    for (int t = 0; t < stack.size(); ++t) {
        const io::RasterBlock block = stack.read(t, window);
        float reflectance[6];
        for (size_t p = 0; p < pixels; ++p) {
            float* dst = out.values.data() + p * out.count + t * per_image;
            bool ok = true;
            for (int b = 0; b < 6; ++b) {
                reflectance[b] = block.band(b)[p];
                ok = ok && std::isfinite(reflectance[b]);
                dst[b] = reflectance[b];
            }
            if (!ok) {
                out.valid[p] = 0;
                continue;
            }
            for (size_t i = 0; i < indices.size(); ++i) dst[6 + i] = index_value(indices[i], reflectance);
        }
    }
    // Invalid pixels are NaN throughout, so nothing downstream can mistake them for data.
    for (size_t p = 0; p < pixels; ++p)
        if (!out.valid[p]) std::fill_n(out.values.data() + p * out.count, out.count, NAN);
    return out;
}

}  // namespace lssr::crop
