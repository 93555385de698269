#pragma once
// RUN_DIR/log.jsonl: one JSON object per optimizer step (every loss term,
// validation metrics when run). A resumed run first drops the lines of steps
// after its checkpoint, so the log reads as if the run had never stopped.
#include <nlohmann/json.hpp>

#include <cstdint>
#include <fstream>
#include <string>

namespace lssr::sr {

class TrainLog {
public:
    // path "" = no log (non-zero ranks). keep_through: steps <= this are kept (0 = start afresh).
    TrainLog(const std::string& path, int64_t keep_through);
    void write(const nlohmann::json& line);

private:
    std::string path_;
    std::ofstream out_;
};

}  // namespace lssr::sr
