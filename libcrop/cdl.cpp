#include "libcrop/cdl.hpp"

#include <algorithm>
#include <set>
#include <sstream>

#include "libio/core/errors.hpp"
#include "libio/products/legends.hpp"

namespace lssr::crop {

std::string cdl_name(int code) {
    for (const io::CdlClass& c : io::cdl_classes())
        if (c.code == code) return std::string(c.name);
    return "CDL " + std::to_string(code);
}

std::map<int, std::array<unsigned char, 4>> cdl_color_table() {
    std::map<int, std::array<unsigned char, 4>> table;
    for (int code = 0; code < kClassMapNodata; ++code) table[code] = {128, 128, 128, 255};
    // Code 0 is a class here (background), so it stays opaque, unlike in cdl.tif.
    for (const io::CdlClass& c : io::cdl_classes())
        if (c.code < kClassMapNodata) table[c.code] = {c.r, c.g, c.b, 255};
    table[kClassMapNodata] = {0, 0, 0, 0};
    return table;
}

std::vector<int> parse_cdl_codes(const std::string& text) {
    std::vector<int> codes;
    std::istringstream in(text);
    std::string item;
    while (std::getline(in, item, ',')) {
        size_t used = 0;
        int code = -1;
        try {
            code = std::stoi(item, &used);
        } catch (const std::exception&) {
            used = 0;
        }
        if (used == 0 || used != item.size() || code < 0 || code > 254)
            throw OptionError("'" + item + "' is not a CDL code (0..254) in '" + text + "'");
        if (std::find(codes.begin(), codes.end(), code) != codes.end())
            throw OptionError("CDL code " + item + " is listed twice in '" + text + "'");
        codes.push_back(code);
    }
    if (codes.empty()) throw OptionError("no CDL codes in '" + text + "'");
    return codes;
}

ClassTable::ClassTable(std::vector<int> class_codes, std::optional<int> background_cdl)
    : background_(background_cdl) {
    std::set<int> codes(class_codes.begin(), class_codes.end());
    if (background_) {
        if (codes.count(*background_))
            throw OptionError("CDL code " + std::to_string(*background_) +
                              " is both a class and the background");
        codes.insert(*background_);
    }
    if (codes.size() < 2)
        throw OptionError("at least two classes are needed (a crop and the background, or two crops)");
    int id = 0;
    for (int code : codes) entries_.push_back({id++, code, cdl_name(code)});
    build_lookup();
}

ClassTable ClassTable::from_entries(std::vector<ClassEntry> entries, std::optional<int> background_cdl) {
    ClassTable table;
    std::sort(entries.begin(), entries.end(),
              [](const ClassEntry& a, const ClassEntry& b) { return a.id < b.id; });
    std::set<int> codes;
    for (size_t i = 0; i < entries.size(); ++i) {
        if (entries[i].id != static_cast<int>(i) || entries[i].cdl < 0 || entries[i].cdl > 254 ||
            !codes.insert(entries[i].cdl).second)
            throw InputError("class ids must be 0..K-1 with distinct CDL codes 0..254");
    }
    if (entries.size() < 2) throw InputError("fewer than two classes");
    if (background_cdl && !codes.count(*background_cdl))
        throw InputError("the background code is not one of the classes");
    table.entries_ = std::move(entries);
    table.background_ = background_cdl;
    table.build_lookup();
    return table;
}

void ClassTable::build_lookup() {
    const int fallback = background_ ? -2 : -1;
    lookup_.fill(fallback);
    for (const auto& e : entries_) lookup_[e.cdl] = e.id;
    if (background_) {
        const int bg = lookup_[*background_];
        for (int& v : lookup_)
            if (v == -2) v = bg;
    }
    lookup_[kClassMapNodata] = -1;  // not a CDL code: never a class
}

}  // namespace lssr::crop
