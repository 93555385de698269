#pragma once
// Runs an SrModel on the tiles of upscale_scene (RasterBlock <-> tensor), with
// side layers (DEM, land cover, S1) warped onto each tile's output grid.
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
    SrTileModel(SrModel& model, SideInputFiles aux = {});
    ~SrTileModel() override;
    std::vector<io::RasterBlock> upscale(const std::vector<TileInput>& tiles) override;
    // Throws InputError naming the file when a side raster misses `scene` (the
    // LR grid, compared in a common CRS) or holds only nodata over it.
    void check_side_layers(const io::Grid& scene) const;

private:
    struct Sources;
    SrModel& model_;
    SideInputFiles aux_;
    std::unique_ptr<Sources> sources_;
    SideTensors auxiliary_for(const std::vector<TileInput>& tiles);
};

}  // namespace lssr::sr
