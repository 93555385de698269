#pragma once
// Real product names for the synthetic scenes of one date, in MGRS tile 15TVG
// and WRS-2 path/row 026/031 (central Iowa): Sentinel-2 L2A SAFE paths, Landsat
// Collection 2 L2 IDs, HLS v2.0 granules and a Sentinel-1 GRD product ID.
#include <string>

#include "libio/core/dates.hpp"

namespace lssr::io::synth {

struct ProductNames {
    // Sentinel-2 L2A on the date itself (S2A and S2B alternate with `index`).
    std::string s2_safe;           // S2A_MSIL2A_..._T15TVG_....SAFE
    std::string s2_granule;        // L2A_T15TVG_A031534_20210626T171234
    std::string s2_band_prefix;    // T15TVG_20210626T170901
    // Landsat 8/9 Collection 2 Level-2, one day later.
    Date landsat_date;
    std::string landsat_id;        // LC08_L2SP_026031_20210627_20210707_02_T1
    // HLS L30 two days later, HLS S30 on the Sentinel-2 overpass.
    Date l30_date;
    std::string l30_granule;       // HLS.L30.T15TVG.2021179T165432.v2.0
    std::string s30_granule;       // HLS.S30.T15TVG.2021177T170901.v2.0
    // Sentinel-1 IW GRD the day before (file name without extension).
    Date s1_date;
    std::string s1_id;
};

// `index` is the date's position in the list: satellites alternate with it.
// Landsat 9 is used for odd positions only from its first data (2021-10-31),
// Landsat 8 before.
ProductNames product_names(const Date& date, int index);

}  // namespace lssr::io::synth
