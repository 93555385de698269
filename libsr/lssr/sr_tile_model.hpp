#pragma once
// Runs an SrModel on the tiles of upscale_scene (RasterBlock <-> tensor), with
// side layers (DEM, land cover, S1) warped once per output region (a tile
// row) and cut per tile, and tiles run on several threads at once when the
// model is small (libupscale/thread_policy.hpp).
#include <memory>
#include <string>

#include "libupscale/scene_upscale.hpp"
#include "libsr/lssr/sr_model.hpp"

namespace lssr::sr {

// Side rasters: any CRS and resolution; "" = absent.
struct SideInputFiles {
    std::string dem, landcover, s1;
    int month = 0;  // 1-12, 0 = unknown
};

class SrTileModel : public TileModel {
public:
    // tile_workers: tiles run at once, each on its own thread with LibTorch's
    // intra-op threads as they are set (one, for small models). A tile's
    // output does not depend on it. `profile` (optional) receives the seconds
    // of warping side layers and, through the model, of each network.
    SrTileModel(SrModel& model, SideInputFiles aux = {}, int tile_workers = 1, StageProfile* profile = nullptr);
    ~SrTileModel() override;
    std::vector<io::RasterBlock> upscale(const std::vector<TileInput>& tiles) override;
    int parallel_tiles() const override { return workers_; }
    // Forwards averaged per tile (libsr/lssr/self_ensemble.hpp): 1 (default), 2, 4 or 8.
    void set_self_ensemble(int members);
    void begin_region(const io::Window& hr_window, const io::Grid& hr_grid) override;
    // Throws InputError naming the file when a side raster misses `scene` (the
    // LR grid, compared in a common CRS) or holds only nodata over it.
    void check_side_layers(const io::Grid& scene) const;

private:
    struct Sources;
    SrModel& model_;
    SideInputFiles aux_;
    std::unique_ptr<Sources> sources_;
    int workers_;
    int self_ensemble_ = 1;
    StageProfile* profile_;
    SideTensors side_inputs_for(const TileInput& tile);
};

}  // namespace lssr::sr
