// Band roles of each product, the scaling the products document, and the roles
// of single-file stacks from their band descriptions.
#include "libio/products/products.hpp"

#include "libio/core/text.hpp"

#include <cctype>
#include <set>

namespace lssr::io {
namespace {

bool tm_like(const ProductName& p) { return p.sensor == "landsat4" || p.sensor == "landsat5" || p.sensor == "landsat7"; }

const std::set<std::string>& optical_roles() {
    static const std::set<std::string> roles{"blue", "green", "red", "nir", "swir1", "swir2"};
    return roles;
}

// The roles a product can fill (for band descriptions that name roles directly).
std::set<std::string> product_roles(const ProductName& p) {
    switch (p.mission) {
        case Mission::Sentinel1: return {"vv", "vh"};
        case Mission::Hls: {
            auto r = optical_roles();
            r.insert("fmask");
            return r;
        }
        case Mission::Sentinel2: {
            auto r = optical_roles();
            if (p.level == "L2A") r.insert("scl");
            return r;
        }
        case Mission::Landsat: {
            auto r = optical_roles();
            r.insert(p.collection == 1 ? "bqa" : "qa_pixel");
            return r;
        }
    }
    return {};
}

// Role named by one band description: the whole text, else its single role-bearing word.
std::string description_role(const ProductName& p, const std::string& text, const std::set<std::string>& roles) {
    auto role_of = [&](const std::string& word) {
        if (roles.count(ascii_lower(word))) return ascii_lower(word);
        return band_role(p, word);
    };
    if (std::string r = role_of(text); !r.empty()) return r;
    std::set<std::string> found;
    std::string word;
    for (size_t i = 0; i <= text.size(); ++i) {
        const bool alnum = i < text.size() && std::isalnum(static_cast<unsigned char>(text[i]));
        if (alnum) word += text[i];
        else if (!word.empty()) {
            if (std::string r = role_of(word); !r.empty()) found.insert(r);
            word.clear();
        }
    }
    return found.size() == 1 ? *found.begin() : std::string();
}

}  // namespace

const std::vector<std::string>& reflectance_role_names() {
    static const std::vector<std::string> names{"blue", "green", "red", "nir", "swir1", "swir2"};
    return names;
}

std::string band_role(const ProductName& p, const std::string& band_text) {
    std::string band = ascii_upper(band_text);
    switch (p.mission) {
        case Mission::Landsat: {
            if (band == "QA_PIXEL" && p.collection == 2) return "qa_pixel";
            if (band == "BQA" && p.collection == 1) return "bqa";
            const bool level2 = p.level.size() > 1 && p.level[1] == '2';
            if (level2) {
                if (band.rfind("SR_", 0) == 0) band = band.substr(3);
                else if (band.rfind("B", 0) != 0) return "";
            }
            // TM and ETM+ put blue..nir on B1..B4; OLI has a coastal band first.
            static const std::map<std::string, std::string> oli{{"B2", "blue"},  {"B3", "green"},
                                                                {"B4", "red"},   {"B5", "nir"},
                                                                {"B6", "swir1"}, {"B7", "swir2"}};
            static const std::map<std::string, std::string> tm{{"B1", "blue"},  {"B2", "green"},
                                                               {"B3", "red"},   {"B4", "nir"},
                                                               {"B5", "swir1"}, {"B7", "swir2"}};
            const auto& table = tm_like(p) ? tm : oli;
            auto it = table.find(band);
            return it == table.end() ? "" : it->second;
        }
        case Mission::Hls: {
            // L30 B05 is NIR; S30 B05 is red-edge and its NIR is B8A.
            static const std::map<std::string, std::string> l30{
                {"B02", "blue"}, {"B03", "green"}, {"B04", "red"}, {"B05", "nir"},
                {"B06", "swir1"}, {"B07", "swir2"}, {"FMASK", "fmask"}};
            static const std::map<std::string, std::string> s30{
                {"B02", "blue"}, {"B03", "green"}, {"B04", "red"}, {"B8A", "nir"},
                {"B11", "swir1"}, {"B12", "swir2"}, {"FMASK", "fmask"}};
            const auto& table = p.sensor == "hls-l30" ? l30 : s30;
            auto it = table.find(band);
            return it == table.end() ? "" : it->second;
        }
        case Mission::Sentinel2: {
            // Broad NIR B08 (10 m), not the narrow B8A.
            static const std::map<std::string, std::string> s2{{"B02", "blue"},  {"B03", "green"},
                                                               {"B04", "red"},   {"B08", "nir"},
                                                               {"B11", "swir1"}, {"B12", "swir2"}};
            if (band == "SCL") return p.level == "L2A" ? "scl" : "";
            auto it = s2.find(band);
            return it == s2.end() ? "" : it->second;
        }
        case Mission::Sentinel1:
            if (band == "VV") return "vv";
            if (band == "VH") return "vh";
            return "";
    }
    return "";
}

bool s2_has_offset(const std::optional<int>& baseline, const Date& acquired) {
    if (baseline) return *baseline >= 400;
    return !(acquired < Date{2022, 1, 25});
}

BandScaling default_scaling(const ProductName& p, const std::string& role) {
    if (role == "fmask") return BandScaling{1.0, 0.0, 255.0};          // HLS Fmask fill
    if (role == "qa_pixel" || role == "bqa") return BandScaling{1.0, 0.0, 1.0};  // bit 0 = fill
    if (role == "scl") return BandScaling{1.0, 0.0, 0.0};              // SCL class 0 = no data
    if (role == "vv" || role == "vh") return BandScaling{1.0, 0.0, std::nullopt};  // dB as stored
    if (!optical_roles().count(role)) return BandScaling{};
    switch (p.mission) {
        case Mission::Hls: return BandScaling{1e-4, 0.0, -9999.0};
        case Mission::Landsat:
            if (p.level.size() > 1 && p.level[1] == '2') return BandScaling{2.75e-5, -0.2, 0.0};
            // Level-1 (Collection 1 and 2): the OLI TOA reflectance rescaling of the MTL
            // file (REFLECTANCE_MULT_BAND_x 2.0E-05, REFLECTANCE_ADD_BAND_x -0.1), without
            // the sun-elevation correction. TM/ETM+ Level-1 DNs are radiance with per-scene
            // gains in the MTL, so for them this default is only a rough stand-in.
            return BandScaling{2e-5, -0.1, 0.0};
        case Mission::Sentinel2:
            return BandScaling{1e-4, s2_has_offset(p.s2_baseline, p.date) ? -0.1 : 0.0, 0.0};
        case Mission::Sentinel1: return BandScaling{};
    }
    return BandScaling{};
}

std::optional<std::map<std::string, int>> stack_roles(const ProductName& product,
                                                      const std::vector<std::string>& descriptions,
                                                      std::string& why) {
    const auto roles = product_roles(product);
    std::map<std::string, int> mapped;
    for (size_t i = 0; i < descriptions.size(); ++i) {
        const std::string role = description_role(product, descriptions[i], roles);
        if (role.empty()) continue;
        const int band = static_cast<int>(i) + 1;
        if (auto [it, fresh] = mapped.emplace(role, band); !fresh) {
            why = "bands " + std::to_string(it->second) + " and " + std::to_string(band) + " both describe " + role;
            return std::nullopt;
        }
    }
    if (!mapped.empty()) return mapped;
    if (product.mission != Mission::Sentinel1 && descriptions.size() == 6) {
        for (int b = 0; b < 6; ++b) mapped[reflectance_role_names()[b]] = b + 1;
        return mapped;
    }
    if (product.mission == Mission::Sentinel1)
        why = "band descriptions do not say which of its " + std::to_string(descriptions.size()) +
              " bands is VV or VH";
    else
        why = "its " + std::to_string(descriptions.size()) +
              " bands carry no descriptions naming roles or product bands, and only a 6-band "
              "stack is taken in the order blue, green, red, nir, swir1, swir2";
    return std::nullopt;
}

}  // namespace lssr::io
