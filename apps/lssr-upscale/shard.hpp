#pragma once
// Splitting a batch of inputs between array jobs: --shard i/N, or Slurm's
// SLURM_ARRAY_TASK_ID / SLURM_ARRAY_TASK_COUNT when no --shard is given.
#include <string>
#include <vector>

namespace lssr::app {

struct Shard {
    int index = 0;  // 0-based
    int count = 1;
};

// "i/N" with 0 <= i < N. Throws OptionError.
Shard parse_shard(const std::string& text);
// --shard when given, else the Slurm array variables, else the whole batch.
// Slurm task IDs may start at SLURM_ARRAY_TASK_MIN (taken into account).
Shard shard_from_environment(const std::string& option);
// The inputs of one shard: every count-th input starting at index.
std::vector<std::string> select_shard(const std::vector<std::string>& inputs, const Shard& shard);

}  // namespace lssr::app
