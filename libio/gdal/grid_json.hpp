#pragma once
// Grids as JSON for the indexes lssr-tile writes: {"crs", "transform", "width", "height"},
// the CRS as "EPSG:n" when it has a code, else WKT.
#include <nlohmann/json.hpp>
#include <string>

#include "libio/gdal/grid.hpp"

namespace lssr::io {

nlohmann::ordered_json grid_to_json(const Grid& grid);
// Throws InputError naming `where` when a field is missing or malformed.
Grid grid_from_json(const nlohmann::json& j, const std::string& where);

nlohmann::ordered_json window_to_json(const Window& w);
Window window_from_json(const nlohmann::json& j, const std::string& where);

}  // namespace lssr::io
