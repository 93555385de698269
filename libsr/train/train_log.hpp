#pragma once
// RUN_DIR/log.jsonl: one JSON object per optimizer step (every loss term,
// validation metrics when run). A resumed run first drops the lines of steps
// after its checkpoint, so the log reads as if the run had never stopped.
#include <nlohmann/json.hpp>

#include <cstdint>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "libsr/train/phase.hpp"

namespace lssr::sr {

// What one optimizer step measured, averaged over the processes of a run.
struct StepMetrics {
    int64_t step = 0;  // steps done, this one included
    Phase phase = Phase::LssrPixel;
    double loss = 0;   // the weighted sum the optimizer minimised
    std::vector<std::pair<std::string, double>> terms;  // each loss term, unweighted ("l2", "fft", ...)
    double learning_rate = 0;
    double seconds = 0;  // wall time of the step
};

class TrainLog {
public:
    // path "" = no log (non-zero ranks). keep_through: steps <= this are kept (0 = start afresh).
    TrainLog(const std::string& path, int64_t keep_through);
    // One line: step, phase (its name), loss, each term, lr, seconds and, when
    // `validation` is not null, val.
    void write(const StepMetrics& metrics, const nlohmann::json& validation);

private:
    std::string path_;
    std::ofstream out_;
};

}  // namespace lssr::sr
