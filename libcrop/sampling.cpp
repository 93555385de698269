#include "libcrop/sampling.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace lssr::crop {

ClassSampler::ClassSampler(int classes, int feature_count, long long per_class, std::uint64_t seed)
    : feature_count_(feature_count), per_class_(per_class), seed_(seed), rng_(seed),
      seen_(classes, 0), kept_(classes) {}

long long ClassSampler::kept(int id) const {
    return static_cast<long long>(kept_.at(id).size() / feature_count_);
}

void ClassSampler::offer(int id, const float* features) {
    const long long n = ++seen_.at(id);
    std::vector<float>& rows = kept_[id];
    if (per_class_ <= 0 || n <= per_class_) {
        rows.insert(rows.end(), features, features + feature_count_);
        return;
    }
    const long long slot = std::uniform_int_distribution<long long>(0, n - 1)(rng_);
    if (slot < per_class_) std::copy_n(features, feature_count_, rows.begin() + slot * feature_count_);
}

void ClassSampler::split(double validation_fraction, SampleSet& train, SampleSet& validation) const {
    std::mt19937_64 rng(seed_ ^ 0x9e3779b97f4a7c15ULL);
    for (int id = 0; id < classes(); ++id) {
        const long long n = kept(id);
        std::vector<long long> order(n);
        std::iota(order.begin(), order.end(), 0);
        std::shuffle(order.begin(), order.end(), rng);
        const long long held = static_cast<long long>(std::llround(validation_fraction * n));
        for (long long i = 0; i < n; ++i) {
            SampleSet& set = i < held ? validation : train;
            const float* row = kept_[id].data() + order[i] * feature_count_;
            set.features.insert(set.features.end(), row, row + feature_count_);
            set.labels.push_back(static_cast<float>(id));
        }
    }
}

std::vector<float> inverse_frequency_weights(const std::vector<float>& labels, int classes) {
    std::vector<double> counts(classes, 0.0);
    for (float y : labels) counts.at(static_cast<size_t>(y)) += 1.0;
    const double present = static_cast<double>(std::count_if(counts.begin(), counts.end(), [](double c) { return c > 0; }));
    std::vector<float> weights;
    weights.reserve(labels.size());
    for (float y : labels)
        weights.push_back(static_cast<float>(labels.size() / (present * counts[static_cast<size_t>(y)])));
    return weights;
}

}  // namespace lssr::crop
