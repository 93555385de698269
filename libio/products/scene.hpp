#pragma once
// Scenes as the tools exchange them, and the pair manifest (JSON Lines) that is
// the contract between lssr-pair and lssr-tile. Field names are documented in
// man/lssr-pair.1; keep them in step.
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "libio/gdal/bands.hpp"

namespace lssr::io {

// One band of a scene: a file, the band in it (1-based) and the product's
// documented scaling, used when the file carries none.
struct BandRef {
    std::string path;
    int band = 1;
    BandScaling defaults;
};

// A scene: one acquisition of one product, possibly spread over many files.
struct SceneRef {
    std::string id;        // product / granule ID without band suffix
    std::string sensor;    // landsat5|landsat7|landsat8|landsat9|hls-l30|hls-s30|sentinel2|sentinel1
    std::string level;     // L1TP, L2SP, L2A, L1C, GRD, ... ("" if unknown)
    std::string date;      // acquisition date, ISO YYYY-MM-DD
    std::string datetime;  // ISO 8601 UTC date and time when the name carries it, else ""
    std::string tile;      // MGRS tile (15TYH) or WRS-2 path/row (026031), "" if none
    std::vector<std::string> paths;        // every file of the scene, sorted
    std::map<std::string, BandRef> bands;  // by role: blue..swir2, fmask, qa_pixel, vv, vh

    bool has(const std::string& role) const { return bands.count(role) != 0; }
    // Throws InputError "<id>: has no <role> band" when absent.
    const BandRef& band(const std::string& role) const;
};

// One line of the pair manifest.
struct PairRecord {
    std::string id;               // pair ID: letters, digits and '-' only (no '_')
    SceneRef lr;                  // 30 m scene (Landsat or HLS)
    SceneRef hr;                  // 10 m scene (Sentinel-2)
    long long delta_days = 0;     // hr.date - lr.date in whole days
    double overlap = 0.0;         // fraction of the LR footprint covered by the HR footprint
    std::optional<SceneRef> s1;   // closest Sentinel-1 scene, if asked for and found
};

nlohmann::json to_json(const BandRef& band);
nlohmann::json to_json(const SceneRef& scene);
nlohmann::json to_json(const PairRecord& pair);

// Parsers throw InputError with `where` (e.g. "pairs.jsonl:3") and the field at fault.
BandRef band_from_json(const nlohmann::json& j, const std::string& where);
SceneRef scene_from_json(const nlohmann::json& j, const std::string& where);
PairRecord pair_from_json(const nlohmann::json& j, const std::string& where);

// Reads a manifest ("-" = stdin). Blank lines are skipped.
std::vector<PairRecord> read_manifest(const std::string& path);

}  // namespace lssr::io
