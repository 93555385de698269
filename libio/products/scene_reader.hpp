#pragma once
// A scene's bands opened by role: the one band-role reader
// (libio/gdal/reflectance.hpp) over a SceneRef, each band with the scaling its
// file carries, else its product's documented default.
#include <string>
#include <vector>

#include "libio/gdal/open_band.hpp"
#include "libio/gdal/reflectance.hpp"
#include "libio/products/scene.hpp"

namespace lssr::io {

// `ref`'s band with its resolved scaling. Throws InputError naming the file when
// it lacks the band `ref` needs for `role` (a text for messages, "<id> red").
OpenBand open_band(DatasetCache& cache, const BandRef& ref, const std::string& role);

// The scene's six reflectance roles blue..swir2 and the first role of
// `qa_roles` it has (none when empty), opened through `cache` in that order;
// InputError "<id>: has no <role> band" when a reflectance role is missing.
ReflectanceReader scene_reader(DatasetCache& cache, const SceneRef& scene,
                               const std::vector<std::string>& qa_roles = {});

}  // namespace lssr::io
