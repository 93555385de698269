#pragma once
// Upscaled tiles kept on disk between two vertical stripes: the tile columns
// along a stripe's edge blend into both stripes, and the model runs them once
// (in the left stripe) instead of twice. A file, not memory, so that memory
// stays independent of the scene's height; it is unlinked as soon as it is
// created, so nothing is left behind when the run ends or is killed.
#include <cstdio>
#include <map>
#include <optional>
#include <string>
#include <utility>

#include "libio/gdal/raster.hpp"

namespace lssr::sr {

class TileSpill {
public:
    // The file is made in `directory` (the output's, whose free space the run
    // checked). Throws OutputError when it cannot be created.
    explicit TileSpill(const std::string& directory);
    ~TileSpill();
    TileSpill(const TileSpill&) = delete;
    TileSpill& operator=(const TileSpill&) = delete;

    // Keeps the upscaled tile at (row, col) of the tile plan; an empty tile is
    // kept by its size alone.
    void put(int row, int col, const io::RasterBlock& tile, bool empty);

    struct Tile {
        io::RasterBlock block;
        bool empty = false;
    };
    // The tile kept at (row, col), or nothing when none was.
    std::optional<Tile> take(int row, int col);

    bool has(int row, int col) const { return index_.count({row, col}) > 0; }

private:
    struct Entry {
        long long offset = 0;
        int bands = 0, width = 0, height = 0;
        bool empty = false;
    };
    std::FILE* file_ = nullptr;
    std::string label_;  // in messages
    long long end_ = 0;
    std::map<std::pair<int, int>, Entry> index_;
};

}  // namespace lssr::sr
