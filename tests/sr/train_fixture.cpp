#include "train_fixture.hpp"

#include <cmath>
#include <filesystem>
#include <random>
#include <vector>

#include "support.hpp"

namespace lssr::test {

void make_train_dataset(const std::string& dir, int train, int test, int lr_size, unsigned seed) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<double> u(0.0, 1.0);
    const int n = lr_size * 3;
    for (int i = 0; i < train + test; ++i) {
        const std::string split = i < train ? "train" : "test";
        std::filesystem::create_directories(std::filesystem::path(dir) / split);
        // Fields: a straight border at a random angle splits two reflectance levels per band.
        const double angle = u(rng) * 3.14159, offset = (u(rng) - 0.5) * n * 0.6;
        std::vector<double> a(6), b(6);
        for (int k = 0; k < 6; ++k) {
            a[k] = 0.05 + 0.35 * u(rng);
            b[k] = 0.05 + 0.35 * u(rng);
        }
        const double wave = 0.5 + u(rng);
        auto hr = [&](int band, int r, int c) {
            const double d = (c - n / 2.0) * std::cos(angle) + (r - n / 2.0) * std::sin(angle) - offset;
            const double base = d > 0 ? a[band] : b[band];
            return base + 0.02 * std::sin(wave * r * 0.3) * std::cos(wave * c * 0.2);
        };
        const std::string prefix = (std::filesystem::path(dir) / split / ("s" + std::to_string(i) + "_2021070" +
                                                                        std::to_string(1 + i % 9))).string();
        const double x0 = 500000.0 + i * 10000.0, y0 = 4200000.0;
        const auto hr_grid = utm_grid(n, n, 10.0, x0, y0), lr_grid = utm_grid(lr_size, lr_size, 30.0, x0, y0);
        write_test_raster(prefix + "_S2.tif", hr_grid, 6, GDT_Float32, hr);
        write_test_raster(prefix + "_L8.tif", lr_grid, 6, GDT_Float32, [&](int band, int r, int c) {
            double s = 0;
            for (int dr = 0; dr < 3; ++dr)
                for (int dc = 0; dc < 3; ++dc) s += hr(band, r * 3 + dr, c * 3 + dc);
            return s / 9.0;
        });
        write_test_raster(prefix + "_DEM.tif", hr_grid, 1, GDT_Float32, [&](int, int r, int c) { return 250.0 + r * 0.5 + c * 0.2; });
        write_test_raster(prefix + "_LC.tif", hr_grid, 1, GDT_Byte, [&](int, int r, int c) { return hr(3, r, c) > 0.2 ? 4 : 2; });
        write_test_raster(prefix + "_S1.tif", hr_grid, 2, GDT_Float32, [&](int band, int r, int c) {
            return (band == 0 ? -9.0 : -16.0) + 3.0 * hr(3, r, c);
        });
    }
}

}  // namespace lssr::test
