#pragma once
// Accuracy of a class map against reference labels, from a confusion matrix:
// per-class precision, recall, F1 and IoU, their macro means, overall accuracy
// and Cohen's kappa. Labels are class values as written (CDL codes).
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace lssr::crop {

class ConfusionMatrix {
public:
    void add(int reference, int produced, long long count = 1);
    // Every label seen as reference or produced, ascending.
    std::vector<int> labels() const;
    long long count(int reference, int produced) const;
    long long reference_total(int label) const;  // row sum
    long long produced_total(int label) const;   // column sum
    long long total() const { return total_; }
    void merge(const ConfusionMatrix& other);

private:
    std::map<int, std::map<int, long long>> cells_;  // reference -> produced -> count
    std::map<int, long long> rows_, columns_;
    long long total_ = 0;
};

struct ClassScores {
    int label = 0;
    double precision = 0, recall = 0, f1 = 0, iou = 0;
    long long reference = 0;  // pixels of this class in the reference
    long long produced = 0;   // pixels predicted as this class
};

struct Metrics {
    std::vector<ClassScores> per_class;  // ascending label
    ClassScores macro;                   // means over per_class (label unused)
    double overall_accuracy = 0;
    double kappa = 0;
    long long pixels = 0;
};

// Scores of every label present in the reference or the prediction. A ratio with
// a zero denominator counts as 0. Kappa is 1 when agreement is perfect and
// chance agreement is also 1 (a single class on both sides).
Metrics compute_metrics(const ConfusionMatrix& matrix);

// {"per_class": {"<code>": {"name", "precision", "recall", "f1", "iou", "reference",
// "produced"}}, "macro": {...}, "overall_accuracy", "kappa", "pixels"}; names from
// the CDL table.
nlohmann::json metrics_to_json(const Metrics& metrics);

// OTB's ComputeConfusionMatrix layout: two '#' header lines listing the labels,
// then one line per reference label with the counts per produced label.
std::string confusion_csv(const ConfusionMatrix& matrix);

}  // namespace lssr::crop
