#include "libcrop/metrics.hpp"

#include <set>
#include <sstream>

#include "libcrop/cdl.hpp"

namespace lssr::crop {

void ConfusionMatrix::add(int reference, int produced, long long count) {
    if (count == 0) return;
    cells_[reference][produced] += count;
    rows_[reference] += count;
    columns_[produced] += count;
    total_ += count;
}

void ConfusionMatrix::merge(const ConfusionMatrix& other) {
    for (const auto& [reference, row] : other.cells_)
        for (const auto& [produced, n] : row) add(reference, produced, n);
}

std::vector<int> ConfusionMatrix::labels() const {
    std::set<int> all;
    for (const auto& [label, n] : rows_) all.insert(label);
    for (const auto& [label, n] : columns_) all.insert(label);
    return {all.begin(), all.end()};
}

long long ConfusionMatrix::count(int reference, int produced) const {
    const auto row = cells_.find(reference);
    if (row == cells_.end()) return 0;
    const auto cell = row->second.find(produced);
    return cell == row->second.end() ? 0 : cell->second;
}

long long ConfusionMatrix::reference_total(int label) const {
    const auto it = rows_.find(label);
    return it == rows_.end() ? 0 : it->second;
}

long long ConfusionMatrix::produced_total(int label) const {
    const auto it = columns_.find(label);
    return it == columns_.end() ? 0 : it->second;
}

namespace {

double ratio(double numerator, double denominator) { return denominator > 0 ? numerator / denominator : 0.0; }

}  // namespace

Metrics compute_metrics(const ConfusionMatrix& matrix) {
    Metrics m;
    m.pixels = matrix.total();
    const double n = static_cast<double>(matrix.total());
    double agreement = 0, chance = 0;
    for (int label : matrix.labels()) {
        ClassScores s;
        s.label = label;
        const double tp = static_cast<double>(matrix.count(label, label));
        s.reference = matrix.reference_total(label);
        s.produced = matrix.produced_total(label);
        s.precision = ratio(tp, static_cast<double>(s.produced));
        s.recall = ratio(tp, static_cast<double>(s.reference));
        s.f1 = ratio(2 * s.precision * s.recall, s.precision + s.recall);
        s.iou = ratio(tp, static_cast<double>(s.reference + s.produced) - tp);
        agreement += tp;
        chance += static_cast<double>(s.reference) * static_cast<double>(s.produced);
        m.per_class.push_back(s);
    }
    if (!m.per_class.empty()) {
        for (const auto& s : m.per_class) {
            m.macro.precision += s.precision;
            m.macro.recall += s.recall;
            m.macro.f1 += s.f1;
            m.macro.iou += s.iou;
            m.macro.reference += s.reference;
            m.macro.produced += s.produced;
        }
        const double k = static_cast<double>(m.per_class.size());
        m.macro.precision /= k;
        m.macro.recall /= k;
        m.macro.f1 /= k;
        m.macro.iou /= k;
    }
    if (n > 0) {
        const double po = agreement / n, pe = chance / (n * n);
        m.overall_accuracy = po;
        m.kappa = pe < 1.0 ? (po - pe) / (1.0 - pe) : (po == 1.0 ? 1.0 : 0.0);
    }
    return m;
}

nlohmann::json metrics_to_json(const Metrics& metrics) {
    auto scores = [](const ClassScores& s) {
        return nlohmann::json{{"precision", s.precision}, {"recall", s.recall}, {"f1", s.f1}, {"iou", s.iou}};
    };
    nlohmann::json per_class = nlohmann::json::object();
    for (const auto& s : metrics.per_class) {
        nlohmann::json entry = scores(s);
        entry["name"] = cdl_name(s.label);
        entry["reference"] = s.reference;
        entry["produced"] = s.produced;
        per_class[std::to_string(s.label)] = entry;
    }
    return {{"per_class", per_class},
            {"macro", scores(metrics.macro)},
            {"overall_accuracy", metrics.overall_accuracy},
            {"kappa", metrics.kappa},
            {"pixels", metrics.pixels}};
}

std::string confusion_csv(const ConfusionMatrix& matrix) {
    const std::vector<int> labels = matrix.labels();
    std::ostringstream out;
    auto list = [&](const char* title) {
        out << title;
        for (size_t i = 0; i < labels.size(); ++i) out << (i ? "," : "") << labels[i];
        out << "\n";
    };
    list("#Reference labels (rows):");
    list("#Produced labels (columns):");
    for (int reference : labels) {
        for (size_t i = 0; i < labels.size(); ++i) out << (i ? "," : "") << matrix.count(reference, labels[i]);
        out << "\n";
    }
    return out.str();
}

}  // namespace lssr::crop
