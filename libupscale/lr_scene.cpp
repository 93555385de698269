#include "libupscale/lr_scene.hpp"

#include <gdal_priv.h>

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "libio/products/cloud_masks.hpp"
#include "libio/core/errors.hpp"
#include "libio/gdal/gdal_dataset.hpp"
#include "libio/products/products.hpp"
#include "libio/products/scan.hpp"

namespace fs = std::filesystem;

namespace lssr::sr {
namespace {

const std::vector<std::string>& roles() { return io::reflectance_role_names(); }

// A plain stack: roles by the suite's one rule (io::reflectance_bands).
io::SceneRef stack_scene(const std::string& path, GDALDataset& ds) {
    io::SceneRef ref;
    ref.id = fs::path(path).stem().string();
    ref.paths = {path};
    const auto bands = io::reflectance_bands(ds, path);
    for (size_t i = 0; i < roles().size(); ++i) ref.bands[roles()[i]] = io::BandRef{path, bands[i], {}};
    return ref;
}

bool has_all_roles(const io::SceneRef& ref) {
    for (const auto& r : roles())
        if (!ref.has(r)) return false;
    return true;
}

// Scans `inputs` and returns the scene with `id` (or the only scene when id is "").
std::optional<io::SceneRef> scan_for(const std::vector<std::string>& inputs, const std::string& id,
                                     std::vector<std::string>& warnings) {
    std::vector<std::string> scan_warnings;
    auto scenes = io::scan_scenes(inputs, scan_warnings);
    for (auto& s : scenes)
        if (id.empty() ? scenes.size() == 1 : s.scene.id == id) return s.scene;
    if (id.empty() && scenes.size() > 1) {
        for (auto& s : scenes)
            if (has_all_roles(s.scene)) return s.scene;
    }
    warnings.insert(warnings.end(), scan_warnings.begin(), scan_warnings.end());
    return std::nullopt;
}

// Files in `dir` whose names start with `prefix`.
std::vector<std::string> siblings_with_prefix(const fs::path& dir, const std::string& prefix) {
    std::vector<std::string> out;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(dir.empty() ? fs::path(".") : dir, ec))
        if (entry.is_regular_file() && entry.path().filename().string().rfind(prefix, 0) == 0)
            out.push_back(entry.path().string());
    std::sort(out.begin(), out.end());
    return out;
}

io::SceneRef product_scene(const std::string& input, std::vector<std::string>& warnings) {
    const bool exists = io::path_exists(input);
    if (exists && fs::is_directory(input)) {
        if (auto s = scan_for({input}, "", warnings)) return *s;
        throw InputError(input + ": no single LR product found in this folder");
    }
    if (exists) {
        const auto parsed = io::parse_product_name(input);
        if (parsed.status != io::NameStatus::Product)
            throw InputError(input + ": not a 6-band reflectance raster nor a recognised product band file");
        const auto& id = parsed.product.scene_id;
        const auto dir = fs::path(input).parent_path();
        auto files = siblings_with_prefix(dir, id);
        if (files.empty()) files = {input};
        if (auto s = scan_for(files, id, warnings)) return *s;
        throw InputError(input + ": cannot group the files of product " + id);
    }
    // A product ID next to its files.
    const auto dir = fs::path(input).parent_path();
    const auto id = fs::path(input).filename().string();
    auto files = siblings_with_prefix(dir, id + ".");
    auto more = siblings_with_prefix(dir, id + "_");
    files.insert(files.end(), more.begin(), more.end());
    if (files.empty()) throw InputError(input + ": no such file, folder or product ID");
    if (auto s = scan_for(files, id, warnings)) return *s;
    throw InputError(input + ": cannot group the files of product " + id);
}

}  // namespace

LrScene resolve_lr_scene(const std::string& input, std::vector<std::string>& warnings) {
    LrScene scene;
    scene.label = input;
    bool is_stack = false;
    if (io::path_exists(input) && !fs::is_directory(input)) {
        auto ds = io::open_raster(input);
        const auto parsed = io::parse_product_name(input);
        const bool product_band = parsed.status == io::NameStatus::Product && !parsed.product.is_stack();
        if (ds->GetRasterCount() >= 6 && !product_band) {
            is_stack = true;
            scene.ref = stack_scene(input, *ds);
            if (parsed.status == io::NameStatus::Product) {
                // A stack named by its product ID: keep its identity and documented scaling.
                const auto& p = parsed.product;
                scene.ref.id = p.scene_id;
                scene.ref.sensor = p.sensor;
                scene.ref.date = p.date.iso();
                for (auto& [role, band] : scene.ref.bands) band.defaults = io::default_scaling(p, role);
            }
        }
    }
    if (!is_stack) scene.ref = product_scene(input, warnings);
    for (const auto& r : roles())
        if (!scene.ref.has(r)) throw InputError(input + ": has no " + r + " band");

    const auto& red = scene.ref.band("red");
    auto red_ds = io::open_raster(red.path);
    scene.grid = io::grid_of(*red_ds, red.path);
    scene.type = red_ds->GetRasterBand(red.band)->GetRasterDataType();
    for (const auto& r : roles()) {
        const auto& ref = scene.ref.band(r);
        auto ds = io::open_raster(ref.path);
        if (ref.band < 1 || ref.band > ds->GetRasterCount())
            throw InputError(ref.path + ": has no band " + std::to_string(ref.band) + " (" + r + ")");
        if (!io::same_grid(io::grid_of(*ds, ref.path), scene.grid))
            throw InputError(ref.path + ": the " + r + " band is not on the grid of the red band");
        scene.scalings.push_back(io::resolve_scaling(*ds->GetRasterBand(ref.band), ref.defaults).scaling);
        scene.paths.push_back(ref.path);
    }
    for (const char* qa : {"fmask", "qa_pixel"})
        if (scene.ref.has(qa)) {
            const auto& q = scene.ref.band(qa);
            auto ds = io::open_raster(q.path);
            if (!io::same_grid(io::grid_of(*ds, q.path), scene.grid))
                throw InputError(q.path + ": the " + qa + " band is not on the grid of the red band");
            scene.paths.push_back(q.path);
        }
    std::sort(scene.paths.begin(), scene.paths.end());
    scene.paths.erase(std::unique(scene.paths.begin(), scene.paths.end()), scene.paths.end());
    return scene;
}

std::string lr_scene_stem(const LrScene& scene) {
    if (!scene.ref.id.empty()) return scene.ref.id;
    return fs::path(scene.label).stem().string();
}

namespace {

io::ReflectanceReader open_bands(const LrScene& scene) {
    io::DatasetCache files;  // each file opened once; the reader keeps them open
    return io::scene_reader(files, scene.ref, {"fmask", "qa_pixel"});
}

}  // namespace

LrReader::LrReader(const LrScene& scene, const io::FmaskPolicy& policy)
    : policy_(policy), bands_(open_bands(scene)) {}

io::RasterBlock LrReader::read(const io::Window& window) {
    io::RasterBlock out = bands_.read(window);
    std::vector<bool> missing(out.plane(), false);
    if (bands_.qa_role() == "fmask") {
        // HLS Fmask under the user's policy.
        const auto mask = bands_.read_qa(window);
        for (size_t p = 0; p < out.plane(); ++p)
            missing[p] = std::isnan(mask.data[p]) || io::fmask_is_bad(static_cast<std::uint8_t>(mask.data[p]), policy_);
    } else if (bands_.qa_role() == "qa_pixel") {
        // Landsat Collection 2 QA_PIXEL: fill, cloud, dilated cloud, shadow.
        const auto mask = bands_.read_qa(window);
        for (size_t p = 0; p < out.plane(); ++p)
            missing[p] = io::classify_qa(io::QaKind::LandsatQaPixel, mask.data[p]) != io::PixelQuality::Clear;
    }
    for (int b = 0; b < out.bands; ++b)
        for (size_t p = 0; p < out.plane(); ++p)
            if (std::isnan(out.band(b)[p])) missing[p] = true;
    for (int b = 0; b < out.bands; ++b)
        for (size_t p = 0; p < out.plane(); ++p)
            if (missing[p]) out.band(b)[p] = NAN;
    return out;
}

}  // namespace lssr::sr
