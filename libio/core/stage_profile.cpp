#include "libio/core/stage_profile.hpp"

#include <algorithm>

namespace lssr {

void StageProfile::add(const std::string& name, double seconds) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = std::find_if(stages_.begin(), stages_.end(), [&](const Stage& s) { return s.name == name; });
    if (it == stages_.end()) it = stages_.insert(stages_.end(), Stage{name, 0, 0, 0});
    it->seconds += seconds;
    ++it->calls;
}

void StageProfile::add_macs(const std::string& name, long long macs) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = std::find_if(stages_.begin(), stages_.end(), [&](const Stage& s) { return s.name == name; });
    if (it == stages_.end()) it = stages_.insert(stages_.end(), Stage{name, 0, 0, 0});
    it->macs += macs;
}

std::vector<StageProfile::Stage> StageProfile::stages() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return stages_;
}

double StageProfile::seconds(const std::string& name) const {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& s : stages_)
        if (s.name == name) return s.seconds;
    return 0;
}

StageTimer::StageTimer(StageProfile* profile, std::string name)
    : profile_(profile), name_(std::move(name)), start_(std::chrono::steady_clock::now()) {}

StageTimer::~StageTimer() {
    if (profile_)
        profile_->add(name_, std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count());
}

}  // namespace lssr
