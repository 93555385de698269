#include "libsynth/sensors.hpp"

#include <algorithm>
#include <cmath>

#include "libsynth/random.hpp"

namespace lssr::io::synth {
namespace {

// Weights of canvas pixels [first, first + weights.size()) for a 30 m pixel whose
// footprint centre is at `centre` (continuous pixel coordinate).
struct Kernel {
    int first = 0;
    std::vector<double> weights;
};

double normal_cdf(double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)); }

Kernel psf_kernel(double centre, double sigma) {
    const int radius = static_cast<int>(std::ceil(1.5 + 4 * sigma));
    Kernel k;
    k.first = static_cast<int>(std::floor(centre)) - radius;
    constexpr int kSub = 8;  // midpoint rule inside each 10 m pixel
    double total = 0;
    for (int i = k.first; i <= k.first + 2 * radius + 1; ++i) {
        double w = 0;
        for (int s = 0; s < kSub; ++s) {
            const double t = i + (s + 0.5) / kSub - centre;
            // box of 3 pixels convolved with the Gaussian, in closed form
            w += normal_cdf((t + 1.5) / sigma) - normal_cdf((t - 1.5) / sigma);
        }
        k.weights.push_back(w);
        total += w;
    }
    for (double& w : k.weights) w /= total;
    return k;
}

}  // namespace

RasterBlock render_reflectance(const Landscape& ls, double doy) {
    RasterBlock out(kBandCount, ls.width, ls.height);
    for (size_t i = 0; i < ls.pixels(); ++i) {
        const Surface s = surface_at(ls, i, doy);
        for (int b = 0; b < kBandCount; ++b) out.band(b)[i] = static_cast<float>(s.reflectance[b]);
    }
    return out;
}

RasterBlock simulate_sensor(const RasterBlock& truth, int margin, const CoarseGrid& grid,
                            const SensorModel& sensor, std::uint64_t noise_seed) {
    // Footprint centres are margin + offset + 3k + 1.5 plus the scene's shift;
    // the fractional part is the same for every k, so one kernel per axis serves.
    const double cx = margin + grid.offset_px + 1.5 + sensor.shift_east_m / 10.0;
    const double cy = margin + grid.offset_px + 1.5 - sensor.shift_north_m / 10.0;
    const Kernel kx = psf_kernel(cx, sensor.psf_sigma), ky = psf_kernel(cy, sensor.psf_sigma);
    const int nx = static_cast<int>(kx.weights.size()), ny = static_cast<int>(ky.weights.size());
    auto clamp_x = [&](int i) { return std::clamp(i, 0, truth.width - 1); };
    auto clamp_y = [&](int i) { return std::clamp(i, 0, truth.height - 1); };

    RasterBlock out(truth.bands, grid.width, grid.height);
    std::vector<double> rows(static_cast<size_t>(truth.height) * grid.width);
    Rng rng(noise_seed);
    for (int b = 0; b < truth.bands; ++b) {
        const float* src = truth.band(b);
        for (int r = 0; r < truth.height; ++r)
            for (int k = 0; k < grid.width; ++k) {
                double sum = 0;
                const float* row = src + static_cast<size_t>(r) * truth.width;
                for (int j = 0; j < nx; ++j) sum += kx.weights[j] * row[clamp_x(kx.first + 3 * k + j)];
                rows[static_cast<size_t>(r) * grid.width + k] = sum;
            }
        float* dst = out.band(b);
        for (int m = 0; m < grid.height; ++m)
            for (int k = 0; k < grid.width; ++k) {
                double sum = 0;
                for (int j = 0; j < ny; ++j)
                    sum += ky.weights[j] * rows[static_cast<size_t>(clamp_y(ky.first + 3 * m + j)) * grid.width + k];
                dst[m * grid.width + k] = static_cast<float>(sensor.gain[b] * sum + sensor.noise * rng.normal());
            }
    }
    return out;
}

std::vector<bool> Clouds::adjacent(int radius) const {
    std::vector<bool> out(opacity.size(), false);
    for (int r = 0; r < height; ++r)
        for (int c = 0; c < width; ++c) {
            const size_t i = static_cast<size_t>(r) * width + c;
            if (cloud(i) || in_shadow(i)) continue;
            for (int dr = -radius; dr <= radius && !out[i]; ++dr)
                for (int dc = -radius; dc <= radius; ++dc) {
                    const int rr = r + dr, cc = c + dc;
                    if (rr < 0 || cc < 0 || rr >= height || cc >= width) continue;
                    const size_t j = static_cast<size_t>(rr) * width + cc;
                    if (cloud(j) || in_shadow(j)) {
                        out[i] = true;
                        break;
                    }
                }
        }
    return out;
}

Clouds make_clouds(std::uint64_t seed, double fraction, int area_pixels, const CoarseGrid& grid) {
    Clouds clouds;
    clouds.width = grid.width;
    clouds.height = grid.height;
    const size_t n = static_cast<size_t>(grid.width) * grid.height;
    clouds.opacity.assign(n, 0.0f);
    clouds.shadow.assign(n, 0.0f);
    if (fraction <= 0) return clouds;

    Rng rng(seed);
    struct Blob {
        double x, y, radius;
    };
    std::vector<Blob> blobs;
    const int count = 2 + static_cast<int>(std::lround(8 * fraction));
    for (int b = 0; b < count; ++b)
        blobs.push_back({area_pixels * rng.uniform(-0.1, 1.1), area_pixels * rng.uniform(-0.1, 1.1),
                         area_pixels * rng.uniform(0.06, 0.16) + 10});
    const std::uint64_t salt = derive_seed(seed, "cloud-texture");
    // Cloud density at a point of the area (10 m pixel coordinates).
    auto density = [&](double x, double y) {
        double d = 0;
        for (const Blob& b : blobs)
            d += std::exp(-(std::pow(x - b.x, 2) + std::pow(y - b.y, 2)) / (2 * b.radius * b.radius));
        return d * (0.65 + 0.35 * fbm(x, y, 40, 4, salt));
    };
    // Clouds at ~1 km height under a sun 30 deg from zenith in the south-east
    // cast shadows ~58 px (10 m) to the north-west.
    const double shadow_px = 1000.0 * std::tan(30.0 * M_PI / 180) / 10.0;
    const double sun_dx = shadow_px * std::sin(135.0 * M_PI / 180), sun_dy = -shadow_px * std::cos(135.0 * M_PI / 180);
    std::vector<double> cloud_density(n), shadow_density(n);
    for (int r = 0; r < grid.height; ++r)
        for (int c = 0; c < grid.width; ++c) {
            const double x = grid.offset_px + 3 * c + 1.5, y = grid.offset_px + 3 * r + 1.5;
            const size_t i = static_cast<size_t>(r) * grid.width + c;
            cloud_density[i] = density(x, y);
            shadow_density[i] = density(x + sun_dx, y + sun_dy);
        }
    // The threshold that makes exactly `fraction` of the grid cloud.
    std::vector<double> sorted = cloud_density;
    const size_t at = std::min(n - 1, static_cast<size_t>((1.0 - fraction) * n));
    std::nth_element(sorted.begin(), sorted.begin() + at, sorted.end());
    const double threshold = std::max(sorted[at], 1e-12);
    auto soft = [&](double d) {
        return static_cast<float>(std::clamp(0.5 + (d - threshold) / (0.5 * threshold), 0.0, 1.0));
    };
    for (size_t i = 0; i < n; ++i) {
        clouds.opacity[i] = soft(cloud_density[i]);
        clouds.shadow[i] = soft(shadow_density[i]);
    }
    return clouds;
}

void apply_clouds(RasterBlock& reflectance, const Clouds& clouds) {
    static constexpr Spectrum kCloud{0.42, 0.42, 0.42, 0.43, 0.46, 0.46, 0.35, 0.25};
    for (int b = 0; b < reflectance.bands; ++b) {
        float* v = reflectance.band(b);
        for (size_t i = 0; i < reflectance.plane(); ++i) {
            const double a = clouds.opacity[i], s = clouds.shadow[i] * (1 - a);
            // Shadows remove direct sun; diffuse sky light (~30%) remains.
            v[i] = static_cast<float>((v[i] * (1 - 0.7 * s)) * (1 - a) + kCloud[b] * a);
        }
    }
}

RasterBlock render_backscatter(const Landscape& ls, double doy, std::uint64_t speckle_seed) {
    const int n = ls.width - 2 * ls.margin;
    RasterBlock out(2, n, n);
    Rng rng(speckle_seed);
    static const Field kDefaultField{};
    for (int r = 0; r < n; ++r)
        for (int c = 0; c < n; ++c) {
            const size_t i = ls.index(r + ls.margin, c + ls.margin);
            const Cover cover = ls.cover[i];
            const Field& field = ls.field[i] ? ls.fields[ls.field[i] - 1] : kDefaultField;
            const double wet = 1.5 * ls.moisture[i];  // wetter soil backscatters more
            double vv = 0, vh = 0;
            switch (cover) {
                case Cover::Water: vv = -22 + 1.5 * ls.mix[i]; vh = -28 + ls.mix[i]; break;
                case Cover::Built: vv = -4.5 - 4 * ls.mix[i]; vh = -11 - 3 * ls.mix[i]; break;
                case Cover::Road: vv = -13 + (ls.mix[i] > 0.5 ? -3 : 0); vh = -22; break;
                case Cover::Trees: vv = -7.5; vh = -13; break;
                case Cover::Bare: vv = -12 + wet; vh = -20 + wet; break;
                case Cover::Shallows: vv = -21 + 4 * ls.rows[i]; vh = -27 + 3 * ls.rows[i]; break;  // surf roughens
                case Cover::Roof: vv = -3 - 3 * ls.mix[i]; vh = -10 - 2 * ls.mix[i]; break;          // double bounce
                case Cover::Conifer: vv = -8; vh = -13.5; break;
                case Cover::Rock: vv = -9 + wet; vh = -16 + wet; break;
                case Cover::Sand: vv = -19; vh = -27; break;  // smooth and dry
                case Cover::Shrub: vv = -11.5 + wet; vh = -19 + wet; break;
                case Cover::Wetland: vv = -8.5; vh = -17; break;  // stems over water
                default: {
                    // Crops and grass: soil term fades and volume term grows with biomass.
                    const Canopy canopy = phenology(cover, doy, field);
                    const double biomass = canopy.green + 0.4 * canopy.dry;
                    const bool broadleaf = cover == Cover::Soybean || cover == Cover::Alfalfa;
                    vv = -15 + wet * (1 - biomass) + (broadleaf ? 6.0 : 7.5) * biomass;
                    vh = -24 + wet * (1 - biomass) + (broadleaf ? 9.5 : 10.0) * biomass;
                    break;
                }
            }
            const double lin_vv = std::pow(10.0, vv / 10) * rng.speckle(4);
            const double lin_vh = std::pow(10.0, vh / 10) * rng.speckle(4);
            // dB in steps of 1/64 dB: far below the speckle, and exact binary
            // fractions leave the low mantissa bits zero so the files compress.
            out.at(0, r, c) = static_cast<float>(std::round(640 * std::log10(lin_vv)) / 64);
            out.at(1, r, c) = static_cast<float>(std::round(640 * std::log10(lin_vh)) / 64);
        }
    return out;
}

}  // namespace lssr::io::synth
