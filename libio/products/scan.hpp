#pragma once
// Finding scenes among files and folders: product files are recognised by their
// official names (libio/products/products.hpp), the files of one product are grouped into
// one scene, and each scene's footprint is read from one of its band files.
#include <string>
#include <vector>

#include "libio/gdal/grid.hpp"
#include "libio/core/progress.hpp"
#include "libio/products/scene.hpp"

namespace lssr::io {

// A scene and where it lies (kept beside SceneRef: footprints are no part of the manifest).
struct ScannedScene {
    SceneRef scene;
    Bounds footprint;       // lon/lat (WGS84) box of the scene
    Bounds native_bounds;   // the scene's box in its own CRS
    std::string crs_wkt;    // that CRS
};

// Scans files, folders (recursively) and GDAL virtual paths (/vsizip/..., /vsicurl/...).
// Files of one product (one file per band, or a SAFE tree) become one scene with
// its bands by role; a file named by a product ID alone is a stack whose bands are
// told apart by their descriptions (see stack_roles). Sidecars (MTL.txt, .xml,
// browse images, angle and surface-temperature bands, SAFE auxiliaries) are skipped
// silently. Problems that leave a file out are added to `warnings` as one line
// each, "<path>: <problem>": names that cannot be parsed (explicit inputs, and
// rasters found in folders), stacks whose bands cannot be told apart, files GDAL
// cannot read. Scenes come back sorted by ID.
// Throws InputError "<path>: no such file or directory" for a missing input.
std::vector<ScannedScene> scan_scenes(const std::vector<std::string>& inputs,
                                      std::vector<std::string>& warnings, const Progress& progress = {});

}  // namespace lssr::io
