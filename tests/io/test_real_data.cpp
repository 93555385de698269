// The real scenes shipped for bench/real-bench.sh (bench/data/real/) and for
// self-supervised training (data/real-train/): each is a six-band reflectance
// GeoTIFF that Wald's protocol can degrade 3x, with band descriptions, listed
// in the folder's README with its source and licence; training never sees the
// bench's ground.
#include <catch2/catch.hpp>

#include <gdal_priv.h>

#include <array>
#include <cmath>
#include <filesystem>

#include "libio/gdal/reflectance.hpp"
#include "libio/gdal/gdal_dataset.hpp"
#include "support.hpp"

namespace fs = std::filesystem;
using namespace lssr;

namespace {

void check_real_folder(const fs::path& dir, int min_scenes, uintmax_t max_bytes) {
    const std::string readme = test::read_text(dir / "README.md");
    REQUIRE_FALSE(readme.empty());
    int scenes = 0;
    uintmax_t bytes = 0;
    for (const auto& entry : fs::directory_iterator(dir)) {
        if (entry.path().extension() != ".tif") continue;
        const std::string name = entry.path().filename().string();
        INFO(name);
        ++scenes;
        bytes += fs::file_size(entry.path());
        CHECK(readme.find("`" + name + "`") != std::string::npos);
        io::DatasetPtr ds = io::open_raster(entry.path().string());
        REQUIRE(ds->GetRasterCount() == 6);
        const char* roles[] = {"blue", "green", "red", "nir", "swir1", "swir2"};
        for (int b = 0; b < 6; ++b) CHECK(std::string(ds->GetRasterBand(b + 1)->GetDescription()) == roles[b]);
        CHECK(ds->GetRasterXSize() % 3 == 0);
        CHECK(ds->GetRasterYSize() % 3 == 0);
        CHECK(ds->GetSpatialRef() != nullptr);
        // Reflectance: the bands' scale makes plausible values.
        io::Grid grid;
        const auto refl = io::read_reflectance(entry.path().string(), grid);
        double sum = 0;
        size_t n = 0;
        for (float v : refl.data)
            if (!std::isnan(v)) sum += v, ++n;
        REQUIRE(n > 0);
        CHECK(sum / n > 0.01);
        CHECK(sum / n < 0.6);
    }
    CHECK(scenes >= min_scenes);
    CHECK(bytes < max_bytes);
    // Every scene the README lists is there.
    for (size_t at = readme.find("| `"); at != std::string::npos; at = readme.find("| `", at + 1)) {
        const size_t end = readme.find('`', at + 3);
        const std::string listed = readme.substr(at + 3, end - at - 3);
        if (listed.size() > 4 && listed.substr(listed.size() - 4) == ".tif") CHECK(fs::exists(dir / listed));
    }
}

// Bounds [xmin, ymin, xmax, ymax] of a raster in its CRS.
std::array<double, 4> bounds_of(const fs::path& path) {
    io::DatasetPtr ds = io::open_raster(path.string());
    double gt[6];
    ds->GetGeoTransform(gt);
    const double x1 = gt[0] + gt[1] * ds->GetRasterXSize(), y1 = gt[3] + gt[5] * ds->GetRasterYSize();
    return {std::min(gt[0], x1), std::min(gt[3], y1), std::max(gt[0], x1), std::max(gt[3], y1)};
}

}  // namespace

TEST_CASE("real data: every bench scene is a 6-band described reflectance raster listed in the README",
          "[realdata]") {
    check_real_folder(fs::path(test::kSourceDir) / "bench" / "data" / "real", 6, 4u * 1024 * 1024);
}

TEST_CASE("real data: every training scene is one too, and the Brandenburg cut misses the bench's", "[realdata]") {
    const fs::path train = fs::path(test::kSourceDir) / "data" / "real-train";
    check_real_folder(train, 10, 8u * 1024 * 1024);
    const auto a = bounds_of(train / "s2-brandenburg-west-20170216.tif");
    const auto b = bounds_of(fs::path(test::kSourceDir) / "bench" / "data" / "real" / "s2-brandenburg-20170216.tif");
    const bool apart = a[2] <= b[0] || b[2] <= a[0] || a[3] <= b[1] || b[3] <= a[1];
    CHECK(apart);
}
