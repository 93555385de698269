#include "libsr/lssr/sr_tile_model.hpp"

#include <gdal_priv.h>

#include <cmath>
#include <utility>

#include "libio/gdal/gdal_dataset.hpp"
#include "libio/tiling/side_layers.hpp"
#include "libio/gdal/warp.hpp"

namespace lssr::sr {

struct SrTileModel::Sources {
    io::DatasetPtr dem, landcover, s1;
};

SrTileModel::SrTileModel(SrModel& model, SideInputFiles aux)
    : model_(model), aux_(std::move(aux)), sources_(std::make_unique<Sources>()) {
    if (!aux_.dem.empty()) sources_->dem = io::open_raster(aux_.dem);
    if (!aux_.landcover.empty()) sources_->landcover = io::open_raster(aux_.landcover);
    if (!aux_.s1.empty()) sources_->s1 = io::open_raster(aux_.s1);
}

SrTileModel::~SrTileModel() = default;

namespace {

// Warps `bands` of a side raster onto every tile's output grid: [B,bands,H,W], NaN where missing.
torch::Tensor warp_tiles(GDALDataset& ds, const std::string& path, const std::vector<TileInput>& tiles,
                         std::vector<int> bands, io::Resampling method) {
    std::vector<torch::Tensor> out;
    for (const auto& t : tiles) {
        io::WarpRequest request;
        request.bands = bands;
        request.method = method;
        auto block = io::warp_to_grid(ds, path, t.hr_grid, request);
        out.push_back(torch::from_blob(block.data.data(), {block.bands, block.height, block.width}, torch::kFloat32).clone());
    }
    return torch::stack(out);
}

}  // namespace

void SrTileModel::check_side_layers(const io::Grid& scene) const {
    const std::string where = "the input scene";
    if (sources_->dem)
        io::check_side_layer(*sources_->dem, aux_.dem, {1}, std::nullopt, scene.bounds(), scene.crs_wkt, "the DEM", where);
    if (sources_->landcover)
        io::check_side_layer(*sources_->landcover, aux_.landcover, {1}, std::nullopt, scene.bounds(), scene.crs_wkt,
                             "land cover", where);
    if (sources_->s1)
        io::check_side_layer(*sources_->s1, aux_.s1, {1, 2}, std::nullopt, scene.bounds(), scene.crs_wkt,
                             "Sentinel-1", where);
}

SideTensors SrTileModel::auxiliary_for(const std::vector<TileInput>& tiles) {
    SideTensors aux;
    const int64_t n = static_cast<int64_t>(tiles.size());
    if (sources_->dem) aux.dem = warp_tiles(*sources_->dem, aux_.dem, tiles, {1}, io::Resampling::Bilinear);
    if (sources_->landcover)
        aux.landcover = warp_tiles(*sources_->landcover, aux_.landcover, tiles, {1}, io::Resampling::Nearest);
    if (sources_->s1) aux.s1 = warp_tiles(*sources_->s1, aux_.s1, tiles, {1, 2}, io::Resampling::Bilinear);
    aux.month = torch::full({n}, static_cast<int64_t>(aux_.month), torch::kInt64);
    return aux;
}

namespace {

// SideTensors inputs of tile i alone (batch of one).
SideTensors tile_auxiliary(const SideTensors& all, int64_t i) {
    SideTensors one;
    for (auto [from, to] : {std::pair{&all.dem, &one.dem}, {&all.landcover, &one.landcover}, {&all.s1, &one.s1},
                            {&all.month, &one.month}})
        if (from->defined()) *to = from->slice(0, i, i + 1);
    return one;
}

io::RasterBlock to_block(const torch::Tensor& out) {
    const auto t = out.squeeze(0).contiguous();
    io::RasterBlock b(static_cast<int>(t.size(0)), static_cast<int>(t.size(2)), static_cast<int>(t.size(1)));
    std::copy_n(t.data_ptr<float>(), b.data.size(), b.data.data());
    return b;
}

}  // namespace

std::vector<io::RasterBlock> SrTileModel::upscale(const std::vector<TileInput>& tiles) {
    torch::NoGradGuard no_grad;
    const SideTensors aux = auxiliary_for(tiles);
    // One forward per tile: the output of a tile does not depend on --batch
    // or on its neighbours in a batch, and on the CPU the small default model
    // ran 13 % faster so than on stacked pairs (2.33 s against 2.68 s for the
    // sample scene, 1 thread; 2.33 against 3.29 s with 2).
    std::vector<io::RasterBlock> blocks;
    for (size_t i = 0; i < tiles.size(); ++i) {
        const auto& t = tiles[i];
        const auto lr = torch::from_blob(const_cast<float*>(t.lr.data.data()), {1, t.lr.bands, t.lr.height, t.lr.width},
                                         torch::kFloat32);
        blocks.push_back(to_block(model_.forward(lr, tile_auxiliary(aux, static_cast<int64_t>(i)))));
    }
    return blocks;
}

}  // namespace lssr::sr
