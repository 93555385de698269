#pragma once
// USDA NASS Cropland Data Layer codes: names, colours, and the table that maps the
// codes a model predicts onto XGBoost's contiguous class ids (0..K-1).
#include <array>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace lssr::crop {

// Class maps use 255 as nodata: CDL stops at 254 and code 0 ("Background") is a
// class of its own (everything that is not a mapped crop).
inline constexpr int kClassMapNodata = 255;

// "Corn" for 1, ...; "CDL <code>" for codes the table does not list.
std::string cdl_name(int code);

// RGBA for every code 0..254 (the CDL colours of the common classes, grey for the
// others) and a transparent entry for the nodata value 255.
std::map<int, std::array<unsigned char, 4>> cdl_color_table();

// Parses "1,5,24" into CDL codes (0..254, no duplicates); throws OptionError.
std::vector<int> parse_cdl_codes(const std::string& text);

struct ClassEntry {
    int id = 0;        // XGBoost class id, 0..K-1
    int cdl = 0;       // CDL code written in the class map
    std::string name;  // from the CDL table
};

// The classes a model distinguishes. Ids follow ascending CDL code. With a
// background code, every CDL code not listed maps onto it; without one, such
// pixels are not used for training or scoring.
class ClassTable {
public:
    ClassTable() = default;
    // Throws OptionError when fewer than two classes result or the background
    // code is also listed as a class.
    ClassTable(std::vector<int> class_codes, std::optional<int> background_cdl);
    // Rebuilds a table from saved entries (model files); ids must be 0..K-1.
    static ClassTable from_entries(std::vector<ClassEntry> entries, std::optional<int> background_cdl);

    // Class id of a CDL code, or -1 when the code is not used.
    int id_of(int cdl) const { return cdl >= 0 && cdl < 256 ? lookup_[cdl] : -1; }
    int cdl_of(int id) const { return entries_.at(id).cdl; }
    int size() const { return static_cast<int>(entries_.size()); }
    const std::vector<ClassEntry>& entries() const { return entries_; }
    const std::optional<int>& background_cdl() const { return background_; }

private:
    void build_lookup();
    std::vector<ClassEntry> entries_;
    std::optional<int> background_;
    std::array<int, 256> lookup_{};
};

}  // namespace lssr::crop
