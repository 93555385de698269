#include "libsr/train/train_log.hpp"

#include <vector>
#include <nlohmann/json.hpp>

#include "libio/core/errors.hpp"
#include "libio/gdal/text_file.hpp"

namespace lssr::sr {

TrainLog::TrainLog(const std::string& path, int64_t keep_through) : path_(path) {
    if (path.empty()) return;
    std::vector<std::string> kept;
    if (keep_through > 0) {
        std::ifstream in(path);
        std::string line;
        while (std::getline(in, line)) {
            try {
                const auto j = nlohmann::json::parse(line);
                if (j.contains("step") && j["step"].get<int64_t>() <= keep_through) kept.push_back(line);
            } catch (const nlohmann::json::exception&) {
                // A line cut short by a kill: dropped.
            }
        }
    }
    std::string text;
    for (const auto& l : kept) text += l + '\n';
    io::write_text_file(path, text, true);
    out_.open(path, std::ios::app);
    if (!out_) throw OutputError(path + ": cannot append");
}

void TrainLog::write(const StepMetrics& m, const nlohmann::json& validation) {
    if (path_.empty()) return;
    nlohmann::json line = {{"step", m.step}, {"phase", phase_name(m.phase)}, {"loss", m.loss}};
    for (const auto& [name, value] : m.terms) line[name] = value;
    line["lr"] = m.learning_rate;
    line["seconds"] = m.seconds;
    if (!validation.is_null()) line["val"] = validation;
    out_ << line.dump() << '\n';
    out_.flush();
    if (!out_) throw OutputError(path_ + ": cannot append");
}

}  // namespace lssr::sr
