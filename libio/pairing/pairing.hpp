#pragma once
// Pairing 30 m scenes (Landsat, HLS) with the 10 m Sentinel-2 scene of overlapping
// footprint closest in time, optionally with the closest Sentinel-1 scene.
#include <optional>
#include <string>
#include <vector>

#include "libio/products/scan.hpp"
#include "libio/products/scene.hpp"

namespace lssr::io {

struct PairOptions {
    int max_days = 7;            // |HR date - LR date| <= max_days (inclusive)
    double min_overlap = 0.0;    // HR must cover more than this fraction of the LR footprint
    bool reuse_hr = false;       // allow one Sentinel-2 scene in many pairs
    bool with_s1 = false;        // attach the closest Sentinel-1 scene to each pair
    std::optional<int> s1_max_days;        // window for Sentinel-1 around the HR date (default max_days)
    std::vector<std::string> lr_sensors;   // "landsat", "hls-l30", "hls-s30"; empty = all
};

// A low-resolution scene left without a pair, and why.
struct UnpairedScene {
    std::string id;
    std::string sensor;
    std::string date;
    std::string reason;
    bool selected = true;  // false: its sensor was not asked for (lr_sensors)
};

struct PairingResult {
    std::vector<PairRecord> pairs;        // by LR date, then LR ID
    std::vector<UnpairedScene> unpaired;  // every LR scene without a pair, by ID
};

// The LR sensor group of a scene sensor ("landsat8" -> "landsat", "hls-l30"), or "" when
// the sensor is not a low-resolution one.
std::string lr_group(const std::string& sensor);

// Fraction of `base`'s footprint covered by `other`'s (compared in base's CRS).
double overlap_fraction(const ScannedScene& base, const ScannedScene& other);

// Throws OptionError naming the option when a value makes no sense.
void check_pair_options(const PairOptions& options);

// Pairs every LR scene with at most one HR scene. Candidates (overlap above the
// minimum, within the window, both scenes holding the six reflectance roles) are
// taken greedily over all scenes at once in the order |delta| ascending, overlap
// descending, LR ID, HR ID, so the result does not depend on input order. Each HR
// scene serves one LR scene unless reuse_hr. Sentinel-1 scenes (with VV and VH)
// overlapping the HR footprint are attached closest-in-time first and may be reused.
// Pair IDs are "<HR tile>-<LR date YYYYMMDD>" ("T15TVG-20210627"), with "-2", "-3"
// appended when several pairs would share one. Throws OptionError on bad options.
PairingResult pair_scenes(const std::vector<ScannedScene>& scenes, const PairOptions& options);

}  // namespace lssr::io
