#include "libio/gdal/grid_json.hpp"

#include "libio/core/errors.hpp"

namespace lssr::io {

using nlohmann::json;

nlohmann::ordered_json grid_to_json(const Grid& grid) {
    const int epsg = epsg_code(grid.crs_wkt);
    // An EPSG code is only a faithful name when it means the same CRS.
    std::string crs = grid.crs_wkt;
    if (epsg) {
        const std::string named = "EPSG:" + std::to_string(epsg);
        if (same_crs(crs_from_user_input(named), grid.crs_wkt)) crs = named;
    }
    return nlohmann::ordered_json{{"crs", crs},
                {"transform", grid.transform},
                {"width", grid.width},
                {"height", grid.height}};
}

Grid grid_from_json(const json& j, const std::string& where) {
    try {
        Grid g;
        g.crs_wkt = crs_from_user_input(j.at("crs").get<std::string>());
        const auto t = j.at("transform").get<std::vector<double>>();
        if (t.size() != 6) throw InputError(where + ": a grid transform needs 6 numbers");
        std::copy(t.begin(), t.end(), g.transform.begin());
        g.width = j.at("width").get<int>();
        g.height = j.at("height").get<int>();
        if (g.width < 1 || g.height < 1) throw InputError(where + ": grid size must be positive");
        return g;
    } catch (const json::exception&) {
        throw InputError(where + ": malformed grid (needs crs, transform, width, height)");
    } catch (const OptionError&) {
        throw InputError(where + ": the grid's CRS cannot be interpreted");
    }
}

nlohmann::ordered_json window_to_json(const Window& w) {
    return nlohmann::ordered_json{{"col", w.col}, {"row", w.row}, {"width", w.width}, {"height", w.height}};
}

Window window_from_json(const json& j, const std::string& where) {
    try {
        return Window{j.at("col").get<int>(), j.at("row").get<int>(), j.at("width").get<int>(),
                      j.at("height").get<int>()};
    } catch (const json::exception&) {
        throw InputError(where + ": malformed window (needs col, row, width, height)");
    }
}

}  // namespace lssr::io
