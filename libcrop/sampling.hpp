#pragma once
// Training samples drawn per class with a seed: a reservoir of at most N pixels
// per class (or every pixel), a stratified validation split, and inverse-frequency
// sample weights so rare crops count as much as common ones.
#include <cstdint>
#include <random>
#include <vector>

namespace lssr::crop {

struct SampleSet {
    std::vector<float> features;  // rows x feature_count, row-major
    std::vector<float> labels;    // class ids
    size_t rows() const { return labels.size(); }
};

class ClassSampler {
public:
    // per_class == 0 keeps every pixel offered.
    ClassSampler(int classes, int feature_count, long long per_class, std::uint64_t seed);

    // Offers one pixel of class `id` (uniform reservoir sampling, Algorithm R).
    void offer(int id, const float* features);
    long long seen(int id) const { return seen_.at(id); }
    long long kept(int id) const;
    int classes() const { return static_cast<int>(seen_.size()); }

    // Splits the kept samples of each class: a `validation_fraction` share of
    // each class (shuffled with the seed) goes to validation, the rest to training.
    void split(double validation_fraction, SampleSet& train, SampleSet& validation) const;

private:
    int feature_count_;
    long long per_class_;
    std::uint64_t seed_;
    std::mt19937_64 rng_;
    std::vector<long long> seen_;
    std::vector<std::vector<float>> kept_;  // per class, rows x feature_count
};

// weight of class c = n / (k * n_c) over the k classes present (sklearn's "balanced").
std::vector<float> inverse_frequency_weights(const std::vector<float>& labels, int classes);

}  // namespace lssr::crop
