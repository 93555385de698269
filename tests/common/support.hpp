#pragma once
// Helpers shared by the tests: temporary folders, running the built tools,
// and small georeferenced rasters made on the fly.
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "libio/gdal/grid.hpp"
#include "libio/gdal/raster.hpp"
#include "test_paths.hpp"

namespace lssr::test {

// A fresh folder under the system temp dir, removed on destruction.
class TempDir {
public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::filesystem::path& path() const { return path_; }
    std::string file(const std::string& name) const { return (path_ / name).string(); }

private:
    std::filesystem::path path_;
};

struct RunResult {
    int exit_code = -1;
    std::string out;  // stdout
    std::string err;  // stderr
};

// Runs a built tool with arguments (no shell quoting needed), optional stdin text.
RunResult run_tool(const std::string& tool, const std::vector<std::string>& args,
                   const std::string& stdin_text = {});

// The whole file as bytes ("" when it cannot be read).
std::string read_text(const std::filesystem::path& path);

// Path of a file under tests/data.
std::string data_path(const std::string& relative);

// A north-up UTM 15N grid (EPSG:32615) with the given size, pixel size and origin.
io::Grid utm_grid(int width, int height, double pixel, double origin_x = 500000.0,
                  double origin_y = 4200000.0, int epsg = 32615);

// Writes a raster whose band b pixel (r,c) holds fn(b,r,c).
template <typename Fn>
void write_test_raster(const std::string& path, const io::Grid& grid, int bands, GDALDataType type,
                       Fn fn, std::optional<double> nodata = std::nullopt) {
    io::RasterSpec spec;
    spec.grid = grid;
    spec.bands = bands;
    spec.type = type;
    spec.nodata = nodata;
    io::RasterBlock block(bands, grid.width, grid.height);
    for (int b = 0; b < bands; ++b)
        for (int r = 0; r < grid.height; ++r)
            for (int c = 0; c < grid.width; ++c) block.at(b, r, c) = static_cast<float>(fn(b, r, c));
    io::write_raster(path, spec, block, io::OutputOptions{});
}

// A whole raster as written: grid, stored values of every band, and what the
// tests check about the file (type, band-1 nodata, descriptions, metadata).
struct RasterFile {
    io::Grid grid;
    io::RasterBlock values;
    GDALDataType type = GDT_Unknown;
    bool has_nodata = false;
    double nodata = 0;
    std::vector<std::string> descriptions;
    std::map<std::string, std::string> metadata;  // default domain
};
RasterFile read_raster_file(const std::string& path);

// Lists the files below a folder (relative paths, sorted).
std::vector<std::string> list_files(const std::filesystem::path& dir);

}  // namespace lssr::test
