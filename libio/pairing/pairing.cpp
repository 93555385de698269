#include "libio/pairing/pairing.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <tuple>

#include "libio/core/dates.hpp"
#include "libio/core/errors.hpp"
#include "libio/products/products.hpp"

namespace lssr::io {
namespace {

long long day_number(const SceneRef& s) {
    const auto d = parse_date(s.date);
    if (!d) throw InputError(s.id + ": bad acquisition date '" + s.date + "'");
    return d->days();
}

std::vector<std::string> missing_reflectance(const SceneRef& s) {
    std::vector<std::string> missing;
    for (const auto& role : reflectance_role_names())
        if (!s.has(role)) missing.push_back(role);
    return missing;
}

std::string join(const std::vector<std::string>& items, const std::string& sep) {
    std::string out;
    for (size_t i = 0; i < items.size(); ++i) out += (i ? sep : "") + items[i];
    return out;
}

std::string days_text(long long n) { return std::to_string(n) + (n == 1 ? " day" : " days"); }

struct Candidate {
    size_t lr = 0, hr = 0;
    long long delta = 0;  // HR day - LR day
    double overlap = 0.0;
};

// Closest first; then the better-covered; then IDs so ties never depend on input order.
bool before(const Candidate& a, const Candidate& b, const std::vector<ScannedScene>& s) {
    return std::make_tuple(std::llabs(a.delta), -a.overlap, s[a.lr].scene.id, s[a.hr].scene.id) <
           std::make_tuple(std::llabs(b.delta), -b.overlap, s[b.lr].scene.id, s[b.hr].scene.id);
}

std::optional<SceneRef> closest_s1(const ScannedScene& hr, const std::vector<ScannedScene>& scenes,
                                   const std::vector<size_t>& s1_scenes, double min_overlap, int max_days) {
    std::optional<std::tuple<long long, double, std::string, size_t>> best;
    const long long hr_day = day_number(hr.scene);
    for (size_t i : s1_scenes) {
        const long long gap = std::llabs(day_number(scenes[i].scene) - hr_day);
        if (gap > max_days) continue;
        const double overlap = overlap_fraction(hr, scenes[i]);
        if (!(overlap > min_overlap)) continue;
        auto key = std::make_tuple(gap, -overlap, scenes[i].scene.id, i);
        if (!best || key < *best) best = key;
    }
    if (!best) return std::nullopt;
    return scenes[std::get<3>(*best)].scene;
}

}  // namespace

std::string lr_group(const std::string& sensor) {
    if (sensor.rfind("landsat", 0) == 0) return "landsat";
    if (sensor == "hls-l30" || sensor == "hls-s30") return sensor;
    return "";
}

double overlap_fraction(const ScannedScene& base, const ScannedScene& other) {
    if (!base.footprint.intersects(other.footprint)) return 0.0;
    const double area = base.native_bounds.area();
    if (area <= 0.0) return 0.0;
    try {
        const Bounds o = transform_bounds(other.native_bounds, other.crs_wkt, base.crs_wkt);
        return std::min(1.0, base.native_bounds.intersection(o).area() / area);
    } catch (const Error&) {
        return 0.0;  // no transformation between the CRSs: treat as apart
    }
}

void check_pair_options(const PairOptions& o) {
    if (o.max_days < 0) throw OptionError("--max-days must be 0 or more");
    if (o.s1_max_days && *o.s1_max_days < 0) throw OptionError("--s1-max-days must be 0 or more");
    if (!(o.min_overlap >= 0.0 && o.min_overlap < 1.0))
        throw OptionError("--min-overlap must be a fraction from 0 up to (not including) 1");
    for (const auto& s : o.lr_sensors)
        if (s != "landsat" && s != "hls-l30" && s != "hls-s30")
            throw OptionError("--lr: unknown sensor '" + s + "' (landsat, hls-l30, hls-s30)");
}

PairingResult pair_scenes(const std::vector<ScannedScene>& scenes, const PairOptions& options) {
    check_pair_options(options);
    const std::set<std::string> wanted(options.lr_sensors.begin(), options.lr_sensors.end());
    PairingResult result;

    std::vector<size_t> lr, hr, s1;
    for (size_t i = 0; i < scenes.size(); ++i) {
        const SceneRef& s = scenes[i].scene;
        const std::string group = lr_group(s.sensor);
        if (!group.empty()) {
            const auto missing = missing_reflectance(s);
            if (!wanted.empty() && !wanted.count(group))
                result.unpaired.push_back({s.id, s.sensor, s.date, "sensor not selected by --lr", false});
            else if (!missing.empty())
                result.unpaired.push_back({s.id, s.sensor, s.date, "lacks the " + join(missing, ", ") + " band(s)"});
            else lr.push_back(i);
        } else if (s.sensor == "sentinel2") {
            if (missing_reflectance(s).empty()) hr.push_back(i);
        } else if (s.sensor == "sentinel1") {
            if (s.has("vv") && s.has("vh")) s1.push_back(i);
        }
    }

    std::vector<Candidate> candidates;
    std::map<size_t, std::vector<Candidate>> overlapping;  // by LR scene, whatever the date
    for (size_t l : lr) {
        const long long lr_day = day_number(scenes[l].scene);
        for (size_t h : hr) {
            const double overlap = overlap_fraction(scenes[l], scenes[h]);
            if (!(overlap > options.min_overlap)) continue;
            const Candidate c{l, h, day_number(scenes[h].scene) - lr_day, overlap};
            overlapping[l].push_back(c);
            if (std::llabs(c.delta) <= options.max_days) candidates.push_back(c);
        }
    }
    std::sort(candidates.begin(), candidates.end(),
              [&](const Candidate& a, const Candidate& b) { return before(a, b, scenes); });

    std::set<size_t> lr_done, hr_used;
    std::vector<Candidate> chosen;
    for (const auto& c : candidates) {
        if (lr_done.count(c.lr) || (!options.reuse_hr && hr_used.count(c.hr))) continue;
        lr_done.insert(c.lr);
        hr_used.insert(c.hr);
        chosen.push_back(c);
    }

    const std::string window = days_text(options.max_days);
    for (size_t l : lr) {
        if (lr_done.count(l)) continue;
        const SceneRef& s = scenes[l].scene;
        std::string reason;
        auto it = overlapping.find(l);
        if (it == overlapping.end()) {
            reason = "no Sentinel-2 scene overlaps its footprint";
            if (options.min_overlap > 0)
                reason += " by more than " + std::to_string(static_cast<int>(std::lround(options.min_overlap * 100))) + "%";
        } else {
            const auto nearest = *std::min_element(it->second.begin(), it->second.end(),
                                                   [&](const Candidate& a, const Candidate& b) { return before(a, b, scenes); });
            if (std::llabs(nearest.delta) > options.max_days)
                reason = "no overlapping Sentinel-2 scene within " + window + " (closest: " +
                         scenes[nearest.hr].scene.id + ", " + days_text(std::llabs(nearest.delta)) + " away)";
            else
                reason = "every overlapping Sentinel-2 scene within " + window +
                         " is paired with a closer scene (--reuse-hr lets scenes share one)";
        }
        result.unpaired.push_back({s.id, s.sensor, s.date, reason});
    }
    std::sort(result.unpaired.begin(), result.unpaired.end(),
              [](const UnpairedScene& a, const UnpairedScene& b) { return a.id < b.id; });

    std::sort(chosen.begin(), chosen.end(), [&](const Candidate& a, const Candidate& b) {
        return std::tie(scenes[a.lr].scene.date, scenes[a.lr].scene.id) <
               std::tie(scenes[b.lr].scene.date, scenes[b.lr].scene.id);
    });
    const int s1_days = options.s1_max_days.value_or(options.max_days);
    std::map<std::string, int> id_uses;
    for (const auto& c : chosen) {
        PairRecord p;
        p.lr = scenes[c.lr].scene;
        p.hr = scenes[c.hr].scene;
        p.delta_days = c.delta;
        p.overlap = c.overlap;
        if (options.with_s1) p.s1 = closest_s1(scenes[c.hr], scenes, s1, options.min_overlap, s1_days);
        std::string base = "T" + p.hr.tile + "-";
        for (char ch : p.lr.date)
            if (ch != '-') base += ch;
        const int n = ++id_uses[base];
        p.id = n == 1 ? base : base + "-" + std::to_string(n);
        result.pairs.push_back(std::move(p));
    }
    return result;
}

}  // namespace lssr::io
