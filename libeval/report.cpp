#include "libeval/report.hpp"

#include <fmt/format.h>

#include <cmath>

namespace lssr::io {

nlohmann::json metrics_summary(const std::vector<SampleMetrics>& samples) {
    nlohmann::json out = nlohmann::json::object();
    for (const std::string& name : metric_names()) {
        double sum = 0;
        int n = 0;
        for (const SampleMetrics& s : samples) {
            const double v = metric_value(s, name);
            if (std::isnan(v)) continue;
            sum += v;
            ++n;
        }
        const double mean = n == 0 ? NAN : sum / n;
        out[name] = std::isfinite(mean) ? nlohmann::json(mean) : nlohmann::json(nullptr);
    }
    out["samples"] = samples.size();
    size_t invalid = 0;
    for (const SampleMetrics& s : samples) invalid += s.invalid_pixels();
    out["invalid_pixels"] = invalid;
    out["note"] =
        "means of per-sample values; null: infinite (a PSNR where a prediction equals its reference) "
        "or undefined (consistency_mae without LR inputs); invalid_pixels: pixels of the prediction, "
        "reference and LR files holding NaN or infinite values, left out of every metric";
    return out;
}

std::string metrics_csv(const std::vector<SampleMetrics>& samples) {
    std::string text = "sample";
    for (const std::string& name : metric_names()) text += "," + name;
    text += "\n";
    for (const SampleMetrics& s : samples) {
        text += s.name;
        for (const std::string& name : metric_names()) {
            const double v = metric_value(s, name);
            text += ",";
            if (std::isinf(v)) text += v > 0 ? "inf" : "-inf";
            else if (!std::isnan(v)) text += fmt::format("{:.6f}", v);
        }
        text += "\n";
    }
    return text;
}

}  // namespace lssr::io
