#include "apps/lssr-upscale/shard.hpp"

#include <cstdlib>

#include "libio/core/errors.hpp"

namespace lssr::app {
namespace {

bool parse_int(const std::string& s, int& out) {
    if (s.empty() || s.size() > 9 || s.find_first_not_of("0123456789") != std::string::npos) return false;
    out = std::stoi(s);
    return true;
}

}  // namespace

Shard parse_shard(const std::string& text) {
    const auto slash = text.find('/');
    Shard s;
    if (slash == std::string::npos || !parse_int(text.substr(0, slash), s.index) ||
        !parse_int(text.substr(slash + 1), s.count) || s.count < 1 || s.index >= s.count)
        throw OptionError("--shard: expected i/N with 0 <= i < N, got \"" + text + "\"");
    return s;
}

Shard shard_from_environment(const std::string& option) {
    if (!option.empty()) return parse_shard(option);
    const char* id = std::getenv("SLURM_ARRAY_TASK_ID");
    const char* count = std::getenv("SLURM_ARRAY_TASK_COUNT");
    if (!id || !count) return {};
    const char* min = std::getenv("SLURM_ARRAY_TASK_MIN");
    int i = 0, n = 0, lo = 0;
    if (!parse_int(id, i) || !parse_int(count, n) || (min && !parse_int(min, lo)) || n < 1 || i - lo < 0 ||
        i - lo >= n)
        throw OptionError(std::string("SLURM_ARRAY_TASK_ID/SLURM_ARRAY_TASK_COUNT make no shard: ") + id + "/" + count);
    return Shard{i - lo, n};
}

std::vector<std::string> select_shard(const std::vector<std::string>& inputs, const Shard& shard) {
    std::vector<std::string> out;
    for (size_t i = static_cast<size_t>(shard.index); i < inputs.size(); i += static_cast<size_t>(shard.count))
        out.push_back(inputs[i]);
    return out;
}

}  // namespace lssr::app
