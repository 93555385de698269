#include "libio/products/scene.hpp"

#include <fstream>
#include <iostream>
#include <optional>

#include "libio/core/errors.hpp"

namespace lssr::io {

using nlohmann::json;

const BandRef& SceneRef::band(const std::string& role) const {
    auto it = bands.find(role);
    if (it == bands.end()) throw InputError(id + ": has no " + role + " band");
    return it->second;
}

json to_json(const BandRef& band) {
    json j{{"path", band.path}, {"band", band.band}, {"scale", band.defaults.scale},
           {"offset", band.defaults.offset}};
    j["nodata"] = band.defaults.nodata ? json(*band.defaults.nodata) : json(nullptr);
    return j;
}

json to_json(const SceneRef& s) {
    json bands = json::object();
    for (const auto& [role, ref] : s.bands) bands[role] = to_json(ref);
    return json{{"id", s.id},     {"sensor", s.sensor}, {"level", s.level},
                {"date", s.date}, {"datetime", s.datetime.empty() ? json(nullptr) : json(s.datetime)},
                {"tile", s.tile}, {"paths", s.paths},   {"bands", bands}};
}

json to_json(const PairRecord& p) {
    return json{{"id", p.id},
                {"lr", to_json(p.lr)},
                {"hr", to_json(p.hr)},
                {"delta_days", p.delta_days},
                {"overlap", p.overlap},
                {"s1", p.s1 ? to_json(*p.s1) : json(nullptr)}};
}

namespace {

const json& field(const json& j, const char* name, const std::string& where) {
    if (!j.is_object() || !j.contains(name))
        throw InputError(where + ": missing field '" + name + "'");
    return j.at(name);
}

std::string string_field(const json& j, const char* name, const std::string& where) {
    const json& f = field(j, name, where);
    if (!f.is_string()) throw InputError(where + ": field '" + name + "' must be a string");
    return f.get<std::string>();
}

// Optional fields may be absent or null; present, they must have their type,
// as required fields do (a quoted number is refused, not ignored).
std::string optional_string(const json& j, const char* name, const std::string& where) {
    if (!j.contains(name) || j.at(name).is_null()) return {};
    if (!j.at(name).is_string()) throw InputError(where + ": field '" + name + "' must be a string");
    return j.at(name).get<std::string>();
}

std::optional<double> optional_number(const json& j, const char* name, const std::string& where) {
    if (!j.contains(name) || j.at(name).is_null()) return std::nullopt;
    if (!j.at(name).is_number()) throw InputError(where + ": field '" + name + "' must be a number");
    return j.at(name).get<double>();
}

}  // namespace

BandRef band_from_json(const json& j, const std::string& where) {
    BandRef b;
    b.path = string_field(j, "path", where);
    if (j.contains("band")) {
        if (!j.at("band").is_number_integer() || j.at("band").get<int>() < 1)
            throw InputError(where + ": field 'band' must be a positive integer");
        b.band = j.at("band").get<int>();
    }
    if (const auto v = optional_number(j, "scale", where)) b.defaults.scale = *v;
    if (const auto v = optional_number(j, "offset", where)) b.defaults.offset = *v;
    b.defaults.nodata = optional_number(j, "nodata", where);
    return b;
}

SceneRef scene_from_json(const json& j, const std::string& where) {
    SceneRef s;
    s.id = string_field(j, "id", where);
    s.sensor = string_field(j, "sensor", where);
    s.date = string_field(j, "date", where);
    s.level = optional_string(j, "level", where);
    s.datetime = optional_string(j, "datetime", where);
    s.tile = optional_string(j, "tile", where);
    if (j.contains("paths") && !j.at("paths").is_null()) {
        const json& paths = j.at("paths");
        if (!paths.is_array()) throw InputError(where + ": field 'paths' must be an array of strings");
        for (const auto& p : paths) {
            if (!p.is_string()) throw InputError(where + ": field 'paths' must be an array of strings");
            s.paths.push_back(p.get<std::string>());
        }
    }
    const json& bands = field(j, "bands", where);
    if (!bands.is_object()) throw InputError(where + ": field 'bands' must be an object");
    for (auto it = bands.begin(); it != bands.end(); ++it)
        s.bands[it.key()] = band_from_json(it.value(), where + " (band " + it.key() + ")");
    return s;
}

PairRecord pair_from_json(const json& j, const std::string& where) {
    PairRecord p;
    p.id = string_field(j, "id", where);
    if (p.id.empty() || p.id.find_first_not_of(
                            "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") !=
                            std::string::npos)
        throw InputError(where + ": pair id '" + p.id + "' may hold only letters, digits and '-'");
    p.lr = scene_from_json(field(j, "lr", where), where + " lr");
    p.hr = scene_from_json(field(j, "hr", where), where + " hr");
    if (j.contains("delta_days") && !j.at("delta_days").is_null()) {
        if (!j.at("delta_days").is_number_integer())
            throw InputError(where + ": field 'delta_days' must be an integer");
        p.delta_days = j.at("delta_days").get<long long>();
    }
    if (const auto v = optional_number(j, "overlap", where)) p.overlap = *v;
    if (j.contains("s1") && !j.at("s1").is_null()) p.s1 = scene_from_json(j.at("s1"), where + " s1");
    return p;
}

std::vector<PairRecord> read_manifest(const std::string& path) {
    std::ifstream file;
    std::istream* in = &std::cin;
    if (path != "-") {
        file.open(path);
        if (!file) throw InputError(path + ": cannot open the manifest");
        in = &file;
    }
    const std::string name = path == "-" ? "<stdin>" : path;
    std::vector<PairRecord> pairs;
    std::string line;
    int number = 0;
    while (std::getline(*in, line)) {
        ++number;
        if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
        const std::string where = name + ":" + std::to_string(number);
        json j;
        try {
            j = json::parse(line);
        } catch (const json::parse_error&) {
            throw InputError(where + ": not valid JSON");
        }
        pairs.push_back(pair_from_json(j, where));
    }
    if (pairs.empty()) throw InputError(name + ": the manifest holds no pairs");
    return pairs;
}

}  // namespace lssr::io
