// Product names, one parser per mission; each says Product, Sidecar, Rejected
// (with the reason) or Unknown, and never guesses.
#include "libio/products/products.hpp"

#include "libio/core/text.hpp"

#include <algorithm>
#include <cctype>
#include <regex>
#include <set>
#include <stdexcept>

namespace lssr::io {
namespace {

bool ends_with(const std::string& s, const std::string& tail) {
    return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

std::string file_name(const std::string& path) {
    const auto slash = path.find_last_of('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

// Folder names above the file, nearest first.
std::vector<std::string> ancestors(const std::string& path) {
    std::vector<std::string> parts;
    size_t start = 0;
    while (start <= path.size()) {
        const size_t slash = path.find('/', start);
        if (slash == std::string::npos) break;
        if (slash > start) parts.push_back(path.substr(start, slash - start));
        start = slash + 1;
    }
    std::reverse(parts.begin(), parts.end());
    return parts;
}

// Files that sit beside product rasters but are no rasters (metadata, browse images).
bool is_sidecar_name(const std::string& name) {
    static const char* extensions[] = {".txt", ".xml", ".json", ".jpg", ".jpeg", ".png", ".html",
                                       ".htm", ".md",  ".ovr",  ".kml", ".gml",  ".xsd", ".pdf",
                                       ".csv", ".safe", ".log", ".md5", ".sha256"};
    const std::string l = ascii_lower(name);
    for (const char* ext : extensions)
        if (ends_with(l, ext)) return true;
    return false;
}

bool is_raster_extension(const std::string& ext) {
    const std::string l = ascii_lower(ext);
    return l == "tif" || l == "tiff" || l == "vrt" || l == "jp2";
}

NameParse rejected(std::string reason) {
    NameParse p;
    p.status = NameStatus::Rejected;
    p.reason = std::move(reason);
    return p;
}

NameParse sidecar() {
    NameParse p;
    p.status = NameStatus::Sidecar;
    return p;
}

NameParse product(ProductName name) {
    NameParse p;
    p.status = NameStatus::Product;
    p.product = std::move(name);
    return p;
}

std::string iso_datetime(const Date& d, const std::string& hhmmss) {
    return d.iso() + "T" + hhmmss.substr(0, 2) + ":" + hhmmss.substr(2, 2) + ":" + hhmmss.substr(4, 2) + "Z";
}

bool valid_time(const std::string& hhmmss) {
    if (hhmmss.size() != 6) return false;
    for (char c : hhmmss)
        if (!std::isdigit(static_cast<unsigned char>(c))) return false;
    return std::stoi(hhmmss.substr(0, 2)) < 24 && std::stoi(hhmmss.substr(2, 2)) < 60 &&
           std::stoi(hhmmss.substr(4, 2)) < 61;
}

// MGRS grid zone (01-60) + latitude band (C-X without I, O) + 100 km square.
bool valid_mgrs(const std::string& tile) {
    static const std::regex pattern("(\\d{2})[C-HJ-NP-X][A-HJ-NP-Z]{2}");
    if (!std::regex_match(tile, pattern)) return false;
    const int zone = std::stoi(tile.substr(0, 2));
    return zone >= 1 && zone <= 60;
}

bool tm_like(const ProductName& p) { return p.sensor == "landsat4" || p.sensor == "landsat5" || p.sensor == "landsat7"; }

// ---------------------------------------------------------------- HLS v2.0

// HLS.<L30|S30>.T<tile>.<YYYYDDD>T<HHMMSS>.v<major>.<minor>[.<band>].tif
std::optional<NameParse> parse_hls(const std::string& name) {
    if (name.rfind("HLS.", 0) != 0) return std::nullopt;
    std::vector<std::string> f;
    size_t start = 0;
    for (size_t dot; (dot = name.find('.', start)) != std::string::npos; start = dot + 1)
        f.push_back(name.substr(start, dot - start));
    f.push_back(name.substr(start));
    if (f.size() < 6 || f[4].size() < 2 || f[4][0] != 'v')
        return rejected("not an HLS granule name (HLS.<L30|S30>.T<tile>.<YYYYDDD>T<HHMMSS>.v2.0.<band>.tif)");
    const std::string version = f[4] + "." + f[5];
    if (f[4] != "v2")
        return rejected("HLS " + version + " is not supported (only v2.0 Cloud-Optimized GeoTIFF granules)");
    if (f[1] != "L30" && f[1] != "S30") return rejected("unknown HLS product '" + f[1] + "' (L30 or S30)");
    if (f[2].size() != 6 || f[2][0] != 'T' || !valid_mgrs(f[2].substr(1)))
        return rejected("'" + f[2] + "' is not an MGRS tile (T + 5 characters, e.g. T15TVG)");
    static const std::regex when("(\\d{4})(\\d{3})T(\\d{6})");
    std::smatch m;
    if (!std::regex_match(f[3], m, when) || !valid_time(m[3].str()))
        return rejected("'" + f[3] + "' is not an acquisition time YYYYDDDTHHMMSS");
    ProductName p;
    p.mission = Mission::Hls;
    try {
        p.date = Date::from_day_of_year(std::stoi(m[1].str()), std::stoi(m[2].str()));
    } catch (const std::invalid_argument&) {
        return rejected("day of year " + m[2].str() + " does not exist in " + m[1].str());
    }
    p.datetime = iso_datetime(p.date, m[3].str());
    p.sensor = f[1] == "L30" ? "hls-l30" : "hls-s30";
    p.level = f[1];
    p.tile = f[2].substr(1);
    p.scene_id = f[0] + "." + f[1] + "." + f[2] + "." + f[3] + "." + version;
    if (f.size() == 7) {
        if (!is_raster_extension(f[6])) return rejected("HLS v2.0 granule files are GeoTIFFs (.tif)");
        return product(p);
    }
    if (f.size() != 8) return rejected("unexpected fields after the HLS granule ID");
    if (!is_raster_extension(f[7])) return rejected("HLS v2.0 granule files are GeoTIFFs (.tif)");
    const std::string band = f[6];
    static const std::set<std::string> angles{"SZA", "SAA", "VZA", "VAA"};
    if (angles.count(band)) return sidecar();
    static const std::set<std::string> l30{"B01", "B02", "B03", "B04", "B05", "B06", "B07",
                                           "B09", "B10", "B11", "Fmask"};
    static const std::set<std::string> s30{"B01", "B02", "B03", "B04", "B05", "B06", "B07",
                                           "B08", "B8A", "B09", "B10", "B11", "B12", "Fmask"};
    if (!(p.level == "L30" ? l30 : s30).count(band))
        return rejected("unknown HLS " + p.level + " band '" + band + "'");
    p.band = band;
    p.role = band_role(p, band);
    return product(p);
}

// ---------------------------------------------------------------- Landsat

// LXSS_LLLL_PPPRRR_YYYYMMDD_yyyymmdd_CC_TX[_BAND].TIF (Collection 1 and 2).
std::optional<NameParse> parse_landsat(const std::string& name) {
    static const std::regex pattern(
        "L([A-Z])(\\d{2})_([A-Z0-9]{4})_(\\d{3})(\\d{3})_(\\d{8})_(\\d{8})_(\\d{2})_([A-Z0-9]{2})"
        "(?:_([A-Za-z0-9_]+?))?\\.([A-Za-z0-9]+)");
    std::smatch m;
    if (!std::regex_match(name, m, pattern)) return std::nullopt;
    const std::string sensor = m[1].str(), satellite = m[2].str(), level = m[3].str();
    ProductName p;
    p.mission = Mission::Landsat;
    const std::string code = "L" + sensor + satellite;
    if ((sensor == "C" || sensor == "O") && (satellite == "08" || satellite == "09"))
        p.sensor = "landsat" + satellite.substr(1);
    else if (sensor == "E" && satellite == "07") p.sensor = "landsat7";
    else if (sensor == "T" && (satellite == "04" || satellite == "05")) p.sensor = "landsat" + satellite.substr(1);
    else if (sensor == "T" && (satellite == "08" || satellite == "09"))
        return rejected(code + " is a thermal-only (TIRS) product without reflectance bands");
    else if (sensor == "M") return rejected(code + " is an MSS product; MSS is not supported");
    else return rejected("unknown Landsat sensor and satellite '" + code + "'");
    static const std::set<std::string> levels{"L1TP", "L1GT", "L1GS", "L2SP", "L2SR"};
    if (!levels.count(level)) return rejected("unknown Landsat processing level '" + level + "'");
    const auto acquired = parse_date(m[6].str());
    if (!acquired) return rejected("'" + m[6].str() + "' is not an acquisition date YYYYMMDD");
    if (!parse_date(m[7].str())) return rejected("'" + m[7].str() + "' is not a processing date YYYYMMDD");
    const std::string collection = m[8].str();
    if (collection != "01" && collection != "02")
        return rejected("unknown Landsat collection '" + collection + "' (01 or 02)");
    const bool level2 = level[1] == '2';
    if (level2 && collection == "01")
        return rejected("Level-2 product IDs (" + level + ") exist only in Collection 2");
    const std::string tier = m[9].str();
    if (tier != "RT" && tier != "T1" && tier != "T2") return rejected("unknown Landsat tier '" + tier + "'");
    if (!is_raster_extension(m[11].str())) return rejected("not a GeoTIFF/VRT file (." + m[11].str() + ")");
    p.level = level;
    p.collection = std::stoi(collection);
    p.date = *acquired;
    p.tile = m[4].str() + m[5].str();
    p.scene_id = name.substr(0, 40);  // the product ID has a fixed length
    const std::string band = m[10].str();
    if (band.empty()) return product(p);

    const bool oli = !tm_like(p);
    std::set<std::string> bands;
    if (level2) {
        for (int b : oli ? std::vector<int>{1, 2, 3, 4, 5, 6, 7} : std::vector<int>{1, 2, 3, 4, 5, 7})
            bands.insert("SR_B" + std::to_string(b));
        bands.insert({"QA_PIXEL", "QA_RADSAT"});
        if (oli) bands.insert("SR_QA_AEROSOL");
        else bands.insert({"SR_ATMOS_OPACITY", "SR_CLOUD_QA"});
        if (band.rfind("ST_", 0) == 0) return sidecar();  // surface temperature: not used
    } else {
        if (oli) for (int b = 1; b <= 11; ++b) bands.insert("B" + std::to_string(b));
        else if (p.sensor == "landsat7") bands.insert({"B1", "B2", "B3", "B4", "B5", "B6_VCID_1", "B6_VCID_2", "B7", "B8"});
        else bands.insert({"B1", "B2", "B3", "B4", "B5", "B6", "B7"});
        if (p.collection == 1) bands.insert("BQA");
        else bands.insert({"QA_PIXEL", "QA_RADSAT"});
        static const std::set<std::string> angles{"SZA", "SAA", "VZA", "VAA"};
        if (angles.count(band)) return sidecar();
    }
    if (band == "MTL" || band == "ANG") return sidecar();
    if (!bands.count(band))
        return rejected("unknown band '" + band + "' for a " + code + " " + level + " Collection " +
                        std::to_string(p.collection) + " product");
    p.band = band;
    p.role = band_role(p, band);
    return product(p);
}

// ---------------------------------------------------------------- Sentinel-2

struct SafeS2 {
    std::string id, level, tile;
    Date date;
    std::string hhmmss;
    int baseline = 0;
};

// MMM_MSIXXX_YYYYMMDDTHHMMSS_Nxxyy_ROOO_Txxxxx_<discriminator>[.SAFE|.ext]
std::optional<SafeS2> match_s2_product(const std::string& text, std::string& ext, std::string& why) {
    static const std::regex pattern(
        "(S2[A-D])_MSI([A-Z0-9]{3})_(\\d{8})T(\\d{6})_N(\\d{4})_R(\\d{3})_T([0-9A-Z]{5})_(\\d{8}T\\d{6})"
        "(?:\\.([A-Za-z0-9]+))?");
    std::smatch m;
    if (!std::regex_match(text, m, pattern)) return std::nullopt;
    ext = m[9].str();
    const std::string level = m[2].str();
    if (level != "L1C" && level != "L2A") {
        why = "Sentinel-2 " + level + " products are not supported (L1C or L2A)";
        return std::nullopt;
    }
    const auto d = parse_date(m[3].str());
    if (!d || !valid_time(m[4].str())) {
        why = "'" + m[3].str() + "T" + m[4].str() + "' is not a sensing time";
        return std::nullopt;
    }
    if (!valid_mgrs(m[7].str())) {
        why = "'T" + m[7].str() + "' is not an MGRS tile";
        return std::nullopt;
    }
    SafeS2 s;
    s.id = text.substr(0, m.length(0) - (ext.empty() ? 0 : ext.size() + 1));
    s.level = level;
    s.tile = m[7].str();
    s.date = *d;
    s.hhmmss = m[4].str();
    s.baseline = std::stoi(m[5].str());
    return s;
}

ProductName from_safe(const SafeS2& s) {
    ProductName p;
    p.mission = Mission::Sentinel2;
    p.sensor = "sentinel2";
    p.scene_id = s.id;
    p.level = s.level;
    p.tile = s.tile;
    p.date = s.date;
    p.datetime = iso_datetime(s.date, s.hhmmss);
    p.s2_baseline = s.baseline;
    return p;
}

// The Sentinel-2 .SAFE folder above a file, if any.
std::optional<SafeS2> s2_safe_ancestor(const std::string& path) {
    for (const auto& dir : ancestors(path)) {
        std::string ext, why;
        if (auto s = match_s2_product(dir, ext, why); s && (ext.empty() || ext == "SAFE")) return s;
    }
    return std::nullopt;
}

std::optional<NameParse> parse_s2(const std::string& path, const std::string& name) {
    if (name.rfind("S2A_OPER_", 0) == 0 || name.rfind("S2B_OPER_", 0) == 0)
        return rejected("pre-December-2016 long-format Sentinel-2 names are not supported");
    std::string ext, why;
    if (auto s = match_s2_product(name, ext, why)) {
        if (!is_raster_extension(ext)) return rejected("not a GeoTIFF/VRT/JPEG2000 file (." + ext + ")");
        return product(from_safe(*s));  // a single-file stack named by the product ID
    }
    if (!why.empty()) return rejected(why);

    // Band file: [L2A_]T<tile>_<YYYYMMDD>T<HHMMSS>_<band>[_<res>m].jp2|tif
    static const std::regex band_file(
        "(?:L2A_)?T([0-9A-Z]{5})_(\\d{8})T(\\d{6})_([A-Z0-9]{3})(?:_(\\d{2})m)?\\.([A-Za-z0-9]+)");
    std::smatch m;
    if (!std::regex_match(name, m, band_file)) return std::nullopt;
    if (!is_raster_extension(m[6].str())) return rejected("not a JPEG2000/GeoTIFF file (." + m[6].str() + ")");
    const auto d = parse_date(m[2].str());
    if (!valid_mgrs(m[1].str()) || !d || !valid_time(m[3].str()))
        return rejected("not a Sentinel-2 band file name (T<tile>_<YYYYMMDD>T<HHMMSS>_<band>[_<res>m])");
    const std::string band = m[4].str();
    static const std::set<std::string> previews{"TCI", "AOT", "WVP", "PVI"};
    if (previews.count(band)) return sidecar();
    static const std::set<std::string> bands{"B01", "B02", "B03", "B04", "B05", "B06", "B07", "B08",
                                             "B8A", "B09", "B10", "B11", "B12", "SCL"};
    const auto safe = s2_safe_ancestor(path);
    if (!bands.count(band)) {
        if (safe) return sidecar();  // other rasters of a SAFE tree (masks, quality layers)
        return rejected("unknown Sentinel-2 band '" + band + "'");
    }
    ProductName p;
    if (safe) {
        if (safe->tile != m[1].str())
            return rejected("band file of tile " + m[1].str() + " inside product " + safe->id);
        p = from_safe(*safe);
    } else {
        p.mission = Mission::Sentinel2;
        p.sensor = "sentinel2";
        p.tile = m[1].str();
        p.date = *d;
        p.datetime = iso_datetime(*d, m[3].str());
        p.scene_id = "T" + p.tile + "_" + m[2].str() + "T" + m[3].str();
        // ESA names L2A image files with a resolution suffix, L1C ones without.
        p.level = m[5].matched ? "L2A" : "L1C";
    }
    if (m[5].matched) {
        p.resolution_m = std::stoi(m[5].str());
        if (p.resolution_m != 10 && p.resolution_m != 20 && p.resolution_m != 60)
            return rejected("unknown Sentinel-2 resolution " + m[5].str() + " m");
    }
    if (band == "SCL" && p.level != "L2A") return rejected("an SCL band belongs to L2A products only");
    p.band = band;
    p.role = band_role(p, band);
    return product(p);
}

// ---------------------------------------------------------------- Sentinel-1

// MMM_BB_TTTR_LFPP_<start>_<stop>_<orbit>_<datatake>_<crc>[_POL][.ext]
struct S1Match {
    std::string id, hhmmss, polarisation, ext;
    Date date;
};

// nullopt when `text` is no Sentinel-1 product name; `why` is set when it is one
// the suite cannot use.
std::optional<S1Match> match_s1_product(const std::string& text, std::string& why) {
    static const std::regex pattern(
        "(S1[A-D])_(IW|EW|SM|WV|S[1-6])_([A-Z]{3})([FHM_])_([0-2])([SA])([A-Z]{2})_(\\d{8})T(\\d{6})_"
        "(\\d{8})T(\\d{6})_(\\d{6})_([0-9A-F]{6})_([0-9A-F]{4})(?:_([A-Za-z]{2}))?(?:\\.([A-Za-z0-9]+))?");
    std::smatch m;
    if (!std::regex_match(text, m, pattern)) return std::nullopt;
    if (m[3].str() != "GRD") {
        why = "Sentinel-1 " + m[3].str() + " products are not supported (GRD only)";
        return std::nullopt;
    }
    const auto d = parse_date(m[8].str());
    if (!d || !valid_time(m[9].str())) {
        why = "'" + m[8].str() + "T" + m[9].str() + "' is not a start time";
        return std::nullopt;
    }
    static const std::set<std::string> modes{"SH", "SV", "DH", "DV", "HH", "VV", "HV", "VH"};
    if (!modes.count(m[7].str())) {
        why = "unknown Sentinel-1 polarisation mode '" + m[7].str() + "'";
        return std::nullopt;
    }
    S1Match s;
    s.id = text.substr(0, static_cast<size_t>(m.position(14)) + 4);
    s.date = *d;
    s.hhmmss = m[9].str();
    s.polarisation = ascii_upper(m[15].str());
    s.ext = m[16].str();
    return s;
}

// The Sentinel-1 .SAFE folder above a file, if any.
std::optional<S1Match> s1_safe_ancestor(const std::string& path) {
    for (const auto& dir : ancestors(path)) {
        std::string why;
        if (auto s = match_s1_product(dir, why); s && s->polarisation.empty() && (s->ext.empty() || s->ext == "SAFE"))
            return s;
    }
    return std::nullopt;
}

ProductName s1_product(const std::string& id, const Date& date, const std::string& hhmmss) {
    ProductName p;
    p.mission = Mission::Sentinel1;
    p.sensor = "sentinel1";
    p.level = "GRD";
    p.scene_id = id;
    p.date = date;
    p.datetime = iso_datetime(date, hhmmss);
    return p;
}

// A file named by the product ID: a stack, or one polarisation with a _VV/_VH suffix.
std::optional<NameParse> parse_s1_file(const std::string& name) {
    std::string why;
    const auto s = match_s1_product(name, why);
    if (!s) return why.empty() ? std::nullopt : std::optional<NameParse>(rejected(why));
    if (!is_raster_extension(s->ext)) return rejected("not a GeoTIFF/VRT file (." + s->ext + ")");
    ProductName p = s1_product(s->id, s->date, s->hhmmss);
    if (!s->polarisation.empty()) {
        static const std::set<std::string> single{"VV", "VH", "HH", "HV"};
        if (!single.count(s->polarisation))
            return rejected("'" + s->polarisation + "' after the product ID is no polarisation (VV, VH, HH, HV)");
        p.band = s->polarisation;
        p.role = band_role(p, p.band);
    }
    return product(p);
}

// SAFE measurement files: s1a-iw-grd-vv-<start>-<stop>-<orbit>-<datatake>-<nnn>.tiff
std::optional<NameParse> parse_s1_measurement(const std::string& path, const std::string& name) {
    static const std::regex pattern(
        "(s1[a-d])-([a-z0-9]+)-([a-z]{3})-(vv|vh|hh|hv)-(\\d{8})t(\\d{6})-(\\d{8})t(\\d{6})-(\\d{6})-"
        "([0-9a-f]{6})-(\\d{3})\\.([A-Za-z0-9]+)");
    std::smatch m;
    if (!std::regex_match(name, m, pattern)) return std::nullopt;
    if (m[3].str() != "grd")
        return rejected("Sentinel-1 " + ascii_upper(m[3].str()) + " products are not supported (GRD only)");
    if (!is_raster_extension(m[12].str())) return rejected("not a GeoTIFF file (." + m[12].str() + ")");
    const auto d = parse_date(m[5].str());
    if (!d || !valid_time(m[6].str())) return rejected("'" + m[5].str() + "t" + m[6].str() + "' is not a start time");
    std::string id = m[1].str() + "-" + m[2].str() + "-grd-" + m[5].str() + "t" + m[6].str() + "-" +
                     m[7].str() + "t" + m[8].str() + "-" + m[9].str() + "-" + m[10].str();
    if (auto safe = s1_safe_ancestor(path)) id = safe->id;
    ProductName p = s1_product(id, *d, m[6].str());
    p.band = ascii_upper(m[4].str());
    p.role = band_role(p, p.band);
    return product(p);
}

bool inside_safe(const std::string& path) {
    return s2_safe_ancestor(path) || s1_safe_ancestor(path);
}

}  // namespace

NameParse parse_product_name(const std::string& path) {
    const std::string name = file_name(path);
    if (name.empty()) return NameParse{};
    if (is_sidecar_name(name)) return sidecar();
    if (auto r = parse_hls(name)) return *r;
    if (auto r = parse_landsat(name)) return *r;
    if (auto r = parse_s2(path, name)) return *r;
    if (auto r = parse_s1_file(name)) return *r;
    if (auto r = parse_s1_measurement(path, name)) return *r;
    if (inside_safe(path)) return sidecar();  // the rest of a SAFE tree: masks, previews, calibration
    return NameParse{};
}

}  // namespace lssr::io
