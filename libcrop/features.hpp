#pragma once
// Per-pixel feature vectors: for each image in order its six reflectances
// (blue..swir2) followed by the requested spectral indices.
#include <cstdint>
#include <string>
#include <vector>

#include "libcrop/image_stack.hpp"

namespace lssr::crop {

enum class SpectralIndex { Ndvi, Ndwi, Evi };

// "ndvi,ndwi,evi" (any subset, any order) or "none"; throws OptionError.
std::vector<SpectralIndex> parse_indices(const std::string& text);
std::string index_name(SpectralIndex index);
SpectralIndex index_from_name(const std::string& name);  // throws InputError

// "t1_blue", ..., "t1_ndvi", "t2_blue", ...: t<k> is the k-th image.
std::vector<std::string> feature_names(int images, const std::vector<SpectralIndex>& indices);

// Pixel-major features of a window: values[p * count + f]. A pixel is valid
// when every feature is finite; invalid pixels are never sampled or predicted.
struct FeatureBlock {
    int width = 0, height = 0, count = 0;
    std::vector<float> values;
    std::vector<std::uint8_t> valid;
    const float* pixel(size_t p) const { return values.data() + p * count; }
};

FeatureBlock compute_features(ImageStack& stack, const std::vector<SpectralIndex>& indices,
                              const io::Window& window);

}  // namespace lssr::crop
