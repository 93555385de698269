#include "libio/products/scene_reader.hpp"

#include <gdal_priv.h>

#include <fmt/format.h>

#include "libio/core/errors.hpp"
#include "libio/products/products.hpp"

namespace lssr::io {

OpenBand open_band(DatasetCache& cache, const BandRef& ref, const std::string& role) {
    OpenBand b;
    b.path = ref.path;
    b.band = ref.band;
    b.dataset = cache.open(ref.path);
    if (ref.band > b.dataset->GetRasterCount())
        throw InputError(fmt::format("{}: band {} is needed for {}, but the file has only {} band(s)",
                                     ref.path, ref.band, role, b.dataset->GetRasterCount()));
    b.scaling = resolve_scaling(*b.dataset->GetRasterBand(ref.band), ref.defaults).scaling;
    return b;
}

ReflectanceReader scene_reader(DatasetCache& cache, const SceneRef& scene,
                               const std::vector<std::string>& qa_roles) {
    std::vector<OpenBand> reflectance;
    for (const std::string& role : reflectance_role_names())
        reflectance.push_back(open_band(cache, scene.band(role), scene.id + " " + role));
    for (const std::string& role : qa_roles)
        if (scene.has(role)) {
            OpenBand qa = open_band(cache, scene.band(role), scene.id + " " + role);
            return ReflectanceReader(std::move(reflectance), std::move(qa), role);
        }
    return ReflectanceReader(std::move(reflectance));
}

}  // namespace lssr::io
