#pragma once
// Official product and file names of the missions the suite reads (Landsat
// Collection 1/2, NASA HLS v2.0, Sentinel-2 L1C/L2A, Sentinel-1 GRD): what a
// name says (scene, sensor, level, acquisition date, tile, band) and which role
// each product band plays. Names only; nothing here opens a file.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "libio/gdal/bands.hpp"
#include "libio/core/dates.hpp"

namespace lssr::io {

enum class Mission { Landsat, Hls, Sentinel2, Sentinel1 };

// One file of a product, as its name (and its folders, for SAFE trees) tells.
struct ProductName {
    Mission mission = Mission::Landsat;
    std::string scene_id;  // product / granule ID without band suffix
    std::string sensor;    // landsat5|landsat7|landsat8|landsat9|hls-l30|hls-s30|sentinel2|sentinel1
    std::string level;     // L1TP, L2SP, L30, S30, L1C, L2A, GRD
    Date date;             // acquisition (sensing start) date, UTC
    std::string datetime;  // "2021-06-26T17:09:01Z" when the name carries a time, else ""
    std::string tile;      // MGRS tile (15TVG) or WRS-2 path/row (026031); "" for Sentinel-1
    std::string band;      // band as the name spells it ("SR_B4", "B04", "Fmask", "VV"); "" = a stack
    std::string role;      // the band's role (blue..swir2, fmask, qa_pixel, bqa, scl, vv, vh) or ""
    int resolution_m = 0;  // Sentinel-2 "_10m"/"_20m"/"_60m" suffix, 0 when absent
    int collection = 0;    // Landsat collection (1 or 2), 0 otherwise
    std::optional<int> s2_baseline;  // Sentinel-2 processing baseline, 400 for N0400; unknown for bare files

    bool is_stack() const { return band.empty(); }
};

enum class NameStatus {
    Product,   // a band file or a single-file stack of a known product
    Sidecar,   // belongs to a product but is no raster the suite reads (MTL.txt, angles, ST_ bands)
    Rejected,  // looks like a known product but is not supported or malformed: see reason
    Unknown,   // not a product name the suite knows
};

struct NameParse {
    NameStatus status = NameStatus::Unknown;
    ProductName product;  // valid when status == Product
    std::string reason;   // why, when Rejected
};

// Parses the file name of `path` (local or GDAL virtual path). Sentinel-2 band
// files and Sentinel-1 measurement files take their product from a .SAFE folder
// above them when there is one.
NameParse parse_product_name(const std::string& path);

// The role of a product band (as file names or band descriptions spell it, e.g.
// "SR_B4", "B8A", "Fmask", "VV"), or "" when the band has none. Thermal, pan,
// coastal, red-edge and the like have no role. Case-insensitive.
std::string band_role(const ProductName& product, const std::string& band);

// Default scaling of a role of a product (used when a file carries no scale/offset):
// reflectance -> DN * scale + offset, masks and dB as stored.
BandScaling default_scaling(const ProductName& product, const std::string& role);

// Sentinel-2 reflectance carries an additive offset of -1000 DN (BOA/RADIO_ADD_OFFSET)
// from processing baseline 04.00 on; when the baseline is unknown, products acquired
// from 2022-01-25 on (the baseline's start) are taken to carry it.
bool s2_has_offset(const std::optional<int>& baseline, const Date& acquired);

// Roles of a single-file stack's bands (1-based band numbers). Band descriptions
// that name a role ("red", "NIR") or a band of the product ("B04", "SR_B4", "VV";
// also as one word of a longer text, "Sigma0_VV_db") decide; when none does,
// a 6-band optical stack is taken in role order blue, green, red, nir, swir1, swir2.
// Returns the roles, or nullopt with `why` set when the bands cannot be told apart.
std::optional<std::map<std::string, int>> stack_roles(const ProductName& product,
                                                      const std::vector<std::string>& descriptions,
                                                      std::string& why);

// The six reflectance role names, in order.
const std::vector<std::string>& reflectance_role_names();

}  // namespace lssr::io
