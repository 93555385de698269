#pragma once
// Class legends of the label layers: USDA CDL (codes, names, colours; the same
// table as data/cdl-colors.tsv) and Dynamic World. lssr-synth writes them and
// the crop-mapping tools colour and name their class maps with them.
#include <array>
#include <map>
#include <string_view>
#include <vector>

namespace lssr::io {

struct CdlClass {
    int code;
    std::string_view name;
    unsigned char r, g, b;
};

// All 134 CDL classes, by code.
const std::vector<CdlClass>& cdl_classes();

using ColorTable = std::map<int, std::array<unsigned char, 4>>;

// The CDL colour table (code 0, background/nodata, is transparent).
ColorTable cdl_color_table();

// Dynamic World label colours (0 water ... 8 snow_and_ice).
ColorTable dynamic_world_color_table();

}  // namespace lssr::io
