#include "libsr/lssr/sr_tile_model.hpp"

#include <gdal_priv.h>

#include <algorithm>
#include <atomic>
#include <exception>
#include <optional>
#include <thread>
#include <utility>

#include "libio/gdal/gdal_dataset.hpp"
#include "libio/tiling/side_layers.hpp"
#include "libio/gdal/warp.hpp"
#include "libsr/lssr/self_ensemble.hpp"

namespace lssr::sr {

// A side raster and its values warped onto the current region's output grid.
struct SideLayer {
    io::DatasetPtr dataset;
    std::string path;
    std::string label;  // in messages: "the DEM"
    std::vector<int> bands;
    io::Resampling method = io::Resampling::Bilinear;
    std::optional<io::RasterBlock> region;  // on region_window

    io::RasterBlock warp(const io::Grid& target) const {
        io::WarpRequest request;
        request.bands = bands;
        request.method = method;
        return io::warp_to_grid(*dataset, path, target, request);
    }
};

struct SrTileModel::Sources {
    SideLayer dem, landcover, s1;
    io::Window region_window;
};

SrTileModel::SrTileModel(SrModel& model, SideInputFiles aux, int tile_workers, StageProfile* profile)
    : model_(model), aux_(std::move(aux)), sources_(std::make_unique<Sources>()),
      workers_(std::max(1, tile_workers)), profile_(profile) {
    auto open = [](SideLayer& layer, const std::string& path, std::string label, std::vector<int> bands,
                   io::Resampling method) {
        if (path.empty()) return;
        layer.dataset = io::open_raster(path);
        layer.path = path;
        layer.label = std::move(label);
        layer.bands = std::move(bands);
        layer.method = method;
    };
    open(sources_->dem, aux_.dem, "the DEM", {1}, io::Resampling::Bilinear);
    open(sources_->landcover, aux_.landcover, "land cover", {1}, io::Resampling::Nearest);
    open(sources_->s1, aux_.s1, "Sentinel-1", {1, 2}, io::Resampling::Bilinear);
    if (model_.mixes_adapters()) workers_ = 1;  // its forward switches LoRA branches: one tile at a time
}

SrTileModel::~SrTileModel() = default;

void SrTileModel::set_self_ensemble(int members) {
    check_self_ensemble_size(members);
    self_ensemble_ = members;
}

void SrTileModel::check_side_layers(const io::Grid& scene) const {
    for (const SideLayer* layer : {&sources_->dem, &sources_->landcover, &sources_->s1})
        if (layer->dataset)
            io::check_side_layer(*layer->dataset, layer->path, layer->bands, std::nullopt, scene.bounds(), scene.crs_wkt,
                                 layer->label, "the input scene");
}

void SrTileModel::begin_region(const io::Window& hr_window, const io::Grid& hr_grid) {
    StageTimer timer(profile_, "side_inputs");
    sources_->region_window = hr_window;
    for (SideLayer* layer : {&sources_->dem, &sources_->landcover, &sources_->s1})
        if (layer->dataset) layer->region = layer->warp(hr_grid);
}

namespace {

// The tile's part of a layer's region block as [1,bands,h,w]; warped alone
// when the tile lies outside the region (a model used without begin_region).
torch::Tensor side_tensor(const SideLayer& layer, const io::Window& region, const TileInput& tile) {
    const io::Window& w = tile.hr_window;
    const bool inside = layer.region && w.col >= region.col && w.row >= region.row &&
                        w.col + w.width <= region.col + region.width && w.row + w.height <= region.row + region.height;
    auto block = inside ? io::crop(*layer.region, io::Window{w.col - region.col, w.row - region.row, w.width, w.height})
                        : layer.warp(tile.hr_grid);
    return torch::from_blob(block.data.data(), {1, block.bands, block.height, block.width}, torch::kFloat32).clone();
}

io::RasterBlock to_block(const torch::Tensor& out) {
    const auto t = out.squeeze(0).contiguous();
    io::RasterBlock b(static_cast<int>(t.size(0)), static_cast<int>(t.size(2)), static_cast<int>(t.size(1)));
    std::copy_n(t.data_ptr<float>(), b.data.size(), b.data.data());
    return b;
}

}  // namespace

SideTensors SrTileModel::side_inputs_for(const TileInput& tile) {
    StageTimer timer(profile_, "side_inputs");
    SideTensors side;
    const auto& region = sources_->region_window;
    if (sources_->dem.dataset) side.dem = side_tensor(sources_->dem, region, tile);
    if (sources_->landcover.dataset) side.landcover = side_tensor(sources_->landcover, region, tile);
    if (sources_->s1.dataset) side.s1 = side_tensor(sources_->s1, region, tile);
    side.month = torch::full({1}, static_cast<int64_t>(aux_.month), torch::kInt64);
    return side;
}

std::vector<io::RasterBlock> SrTileModel::upscale(const std::vector<TileInput>& tiles) {
    // Side layers are cut here, on the calling thread (GDAL datasets are not
    // shared between threads).
    std::vector<SideTensors> side;
    for (const auto& t : tiles) side.push_back(side_inputs_for(t));
    model_.set_profile(profile_);
    // One forward per tile: the output of a tile does not depend on --batch,
    // on its neighbours in a batch or on the number of workers; and on the CPU
    // the small default model ran 13 % faster so than on stacked pairs.
    std::vector<io::RasterBlock> blocks(tiles.size());
    auto run = [&](size_t i) {
        const auto& t = tiles[i];
        const auto lr = torch::from_blob(const_cast<float*>(t.lr.data.data()), {1, t.lr.bands, t.lr.height, t.lr.width},
                                         torch::kFloat32);
        blocks[i] = to_block(forward_self_ensemble(model_, lr, side[i], self_ensemble_));
    };
    const int workers = std::min<int>(workers_, static_cast<int>(tiles.size()));
    if (workers <= 1) {
        c10::InferenceMode inference;
        for (size_t i = 0; i < tiles.size(); ++i) run(i);
        return blocks;
    }
    std::atomic<size_t> next{0};
    std::vector<std::exception_ptr> errors(workers);
    std::vector<std::thread> pool;
    for (int w = 0; w < workers; ++w)
        pool.emplace_back([&, w] {
            try {
                c10::InferenceMode inference;  // thread-local, like grad mode
                for (size_t i; (i = next++) < tiles.size();) run(i);
            } catch (...) {
                errors[w] = std::current_exception();
                next = tiles.size();  // the others stop after their tile
            }
        });
    for (auto& t : pool) t.join();
    for (auto& e : errors)
        if (e) std::rethrow_exception(e);
    return blocks;
}

}  // namespace lssr::sr
