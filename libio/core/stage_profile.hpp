#pragma once
// Seconds spent per named stage of a run (reading, VAE encode, UNet, ...),
// summed over calls and over threads: what `lssr-upscale --profile` reports.
// Thread-safe; a null StageProfile* means "not profiling" everywhere.
#include <chrono>
#include <mutex>
#include <string>
#include <vector>

namespace lssr {

class StageProfile {
public:
    struct Stage {
        std::string name;
        double seconds = 0;  // summed over calls (and threads: may exceed wall time)
        long long calls = 0;
        long long macs = 0;  // multiply-accumulates, where counted
    };
    void add(const std::string& name, double seconds);
    void add_macs(const std::string& name, long long macs);
    // In the order the stages were first seen.
    std::vector<Stage> stages() const;
    double seconds(const std::string& name) const;  // 0 when never seen

private:
    mutable std::mutex mutex_;
    std::vector<Stage> stages_;
};

// Adds the time from construction to destruction to one stage (no-op without a profile).
class StageTimer {
public:
    StageTimer(StageProfile* profile, std::string name);
    ~StageTimer();
    StageTimer(const StageTimer&) = delete;
    StageTimer& operator=(const StageTimer&) = delete;

private:
    StageProfile* profile_;
    std::string name_;
    std::chrono::steady_clock::time_point start_;
};

}  // namespace lssr
