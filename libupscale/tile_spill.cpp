#include "libupscale/tile_spill.hpp"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <unistd.h>

#include <vector>

#include "libio/core/errors.hpp"

namespace lssr::sr {

TileSpill::TileSpill(const std::string& directory) {
    std::string name = (directory.empty() ? std::string(".") : directory) + "/.lssr-stripe-edge-XXXXXX";
    std::vector<char> path(name.begin(), name.end());
    path.push_back('\0');
    const int fd = mkstemp(path.data());
    if (fd < 0)
        throw OutputError(directory + ": cannot create a temporary file for the tiles along stripe edges (" +
                          std::strerror(errno) + ")");
    unlink(path.data());  // gone from the folder now; the space is freed when closed
    file_ = fdopen(fd, "w+b");
    if (!file_) {
        close(fd);
        throw OutputError(directory + ": cannot open a temporary file (" + std::strerror(errno) + ")");
    }
    label_ = "the temporary file for stripe-edge tiles in " + directory;
}

TileSpill::~TileSpill() {
    if (file_) std::fclose(file_);
}

void TileSpill::put(int row, int col, const io::RasterBlock& tile, bool empty) {
    Entry e{end_, tile.bands, tile.width, tile.height, empty};
    if (!empty) {
        if (fseeko(file_, end_, SEEK_SET) != 0 ||
            std::fwrite(tile.data.data(), sizeof(float), tile.data.size(), file_) != tile.data.size())
            throw OutputError(label_ + ": write failed (" + std::strerror(errno) + "; disk full?)");
        end_ += static_cast<long long>(tile.data.size() * sizeof(float));
    }
    index_[{row, col}] = e;
}

std::optional<TileSpill::Tile> TileSpill::take(int row, int col) {
    const auto it = index_.find({row, col});
    if (it == index_.end()) return std::nullopt;
    const Entry e = it->second;
    index_.erase(it);
    Tile t;
    t.empty = e.empty;
    t.block = io::RasterBlock(e.bands, e.width, e.height, e.empty ? NAN : 0.0f);
    if (!e.empty) {
        std::fflush(file_);
        if (fseeko(file_, e.offset, SEEK_SET) != 0 ||
            std::fread(t.block.data.data(), sizeof(float), t.block.data.size(), file_) != t.block.data.size())
            throw OutputError(label_ + ": read failed (" + std::strerror(errno) + ")");
    }
    return t;
}

}  // namespace lssr::sr
