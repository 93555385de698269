#include "libsynth/spectra.hpp"

#include <algorithm>
#include <cmath>

namespace lssr::io::synth {
namespace {

// Typical reflectances (coastal, blue, green, red, nir B08, nir B8A, swir1, swir2).
constexpr Spectrum kSoil{0.055, 0.060, 0.085, 0.110, 0.170, 0.180, 0.260, 0.220};  // dark Mollisol
constexpr Spectrum kDry{0.065, 0.070, 0.100, 0.130, 0.240, 0.250, 0.330, 0.250};   // residue, senescent leaves
constexpr Spectrum kCorn{0.035, 0.030, 0.070, 0.035, 0.480, 0.490, 0.200, 0.090};
constexpr Spectrum kSoybean{0.035, 0.030, 0.075, 0.035, 0.520, 0.530, 0.220, 0.100};
constexpr Spectrum kWheat{0.040, 0.035, 0.080, 0.040, 0.400, 0.410, 0.220, 0.110};
constexpr Spectrum kAlfalfa{0.035, 0.030, 0.080, 0.035, 0.500, 0.510, 0.210, 0.095};
constexpr Spectrum kGrass{0.045, 0.040, 0.080, 0.050, 0.350, 0.360, 0.240, 0.130};
constexpr Spectrum kTrees{0.030, 0.025, 0.055, 0.030, 0.380, 0.390, 0.170, 0.075};
constexpr Spectrum kWater{0.050, 0.045, 0.060, 0.035, 0.020, 0.018, 0.010, 0.007};
constexpr Spectrum kSediment{0.010, 0.012, 0.025, 0.025, 0.012, 0.010, 0.002, 0.001};  // added by turbidity
constexpr Spectrum kRoof{0.130, 0.120, 0.140, 0.160, 0.220, 0.230, 0.280, 0.240};
constexpr Spectrum kAsphalt{0.080, 0.080, 0.090, 0.100, 0.120, 0.120, 0.150, 0.140};
constexpr Spectrum kGravel{0.140, 0.150, 0.180, 0.210, 0.250, 0.260, 0.330, 0.290};
constexpr Spectrum kBare{0.100, 0.100, 0.140, 0.180, 0.240, 0.250, 0.340, 0.280};

// Covers of the non-Iowa landscapes. Forest, bare and water values were checked
// against real scenes in /work/shared/data/real (means of NDVI/NDWI-selected
// pixels): BigEarthNet S2 L2A forest blue/green/red/nir/swir1/swir2 0.021/0.036/
// 0.024/0.23/0.114/0.055 (std nir 0.066), coniferous patches nir 0.17-0.19,
// swir1 0.09; Landsat 8 Amazon forest 0.023/0.042/0.027/0.315/0.146/0.058;
// bare soil 0.098/0.136/0.172/0.241/0.301/0.274 (BigEarthNet) to 0.227/0.259/
// 0.308/0.288/0.247 (bright Amazon clearings); turbid river 0.064/0.109/0.138/
// 0.054/0.008/0.006, clear water 0.035/0.056/0.05/0.035/0.022/0.021.
constexpr Spectrum kConifer{0.020, 0.022, 0.036, 0.026, 0.190, 0.200, 0.090, 0.045};
constexpr Spectrum kShrub{0.040, 0.045, 0.070, 0.075, 0.240, 0.250, 0.250, 0.160};   // grey-green leaves and wood
constexpr Spectrum kMarsh{0.030, 0.030, 0.065, 0.040, 0.300, 0.300, 0.150, 0.070};   // emergent reeds and sedges
constexpr Spectrum kSand{0.150, 0.180, 0.250, 0.310, 0.370, 0.380, 0.440, 0.390};    // pale quartz sand
constexpr Spectrum kRedTint{-0.04, -0.05, -0.04, 0.03, 0.03, 0.03, 0.03, 0.03};      // iron oxides (desert varnish)
constexpr Spectrum kRock{0.090, 0.100, 0.125, 0.150, 0.190, 0.200, 0.250, 0.220};
constexpr Spectrum kWhiteRoof{0.300, 0.320, 0.340, 0.350, 0.380, 0.380, 0.400, 0.360};  // metal, membranes
constexpr Spectrum kTileRoof{0.060, 0.065, 0.080, 0.160, 0.240, 0.250, 0.320, 0.270};   // red clay tiles
constexpr Spectrum kDarkRoof{0.045, 0.045, 0.055, 0.065, 0.080, 0.080, 0.090, 0.080};   // tar, dark shingle
constexpr Spectrum kBottom{0.070, 0.080, 0.110, 0.090, 0.006, 0.005, 0.0, 0.0};        // sand seen through ~2 m of water
constexpr Spectrum kSea{0.060, 0.055, 0.042, 0.020, 0.010, 0.009, 0.004, 0.003};        // clear open sea
constexpr Spectrum kFoam{0.450, 0.460, 0.460, 0.440, 0.380, 0.370, 0.180, 0.120};

// A stable per-material brightness factor in [0, 1) from the roof's mix value.
double hash_scale(double m) { return std::fmod(m * 7919.0, 1.0); }

double logistic(double t) { return 1.0 / (1.0 + std::exp(-t)); }

// Green-up at `up`, senescence at `down` (days of year), each with its own rate.
double season(double doy, double up, double up_rate, double down, double down_rate) {
    return logistic((doy - up) / up_rate) * (1.0 - logistic((doy - down) / down_rate));
}

const Spectrum& canopy_spectrum(Cover cover) {
    switch (cover) {
        case Cover::Corn: return kCorn;
        case Cover::Soybean: return kSoybean;
        case Cover::WinterWheat: return kWheat;
        case Cover::Alfalfa: return kAlfalfa;
        case Cover::Trees: return kTrees;
        case Cover::Conifer: return kConifer;
        default: return kGrass;
    }
}

Spectrum mix3(const Spectrum& a, double wa, const Spectrum& b, double wb, const Spectrum& c, double wc) {
    Spectrum out{};
    for (int k = 0; k < kBandCount; ++k) out[k] = wa * a[k] + wb * b[k] + wc * c[k];
    return out;
}

}  // namespace

Canopy phenology(Cover cover, double doy, const Field& field) {
    const double s = field.sowing_shift_days, v = field.vigour;
    Canopy c;
    switch (cover) {
        case Cover::Corn: {
            // Planted early May; canopy closes mid-July; dries in September.
            const double up = logistic((doy - (176 + s)) / 7.0), down = logistic((doy - (252 + s)) / 8.0);
            c.green = 0.96 * v * up * (1 - down);
            c.dry = 0.9 * up * down * (1 - 0.5 * logistic((doy - 290) / 5.0)) + 0.15 * (1 - up);
            break;
        }
        case Cover::Soybean: {
            // Planted later, closes canopy in early August, yellows in mid-September.
            const double up = logistic((doy - (192 + s)) / 7.0), down = logistic((doy - (258 + s)) / 6.0);
            c.green = 0.97 * v * up * (1 - down);
            c.dry = 0.85 * up * down * (1 - 0.6 * logistic((doy - 285) / 5.0)) + 0.15 * (1 - up);
            break;
        }
        case Cover::WinterWheat: {
            // Green in spring, ripe by late June, harvested in July: stubble after.
            const double up = logistic((doy - (95 + s)) / 10.0), ripe = logistic((doy - (166 + s)) / 6.0);
            const double harvested = logistic((doy - (192 + s)) / 3.0);
            c.green = 0.9 * v * up * (1 - ripe) + 0.1 * harvested * logistic((doy - 215) / 8.0);
            c.dry = up * ripe * (0.92 - 0.45 * harvested);
            break;
        }
        case Cover::Alfalfa: {
            // Perennial, cut about every five weeks: regrowth after each cut.
            static const double cuts[] = {150, 186, 222, 258};
            double last = 95;
            for (double cut : cuts)
                if (doy + s >= cut) last = cut;
            const double t = doy + s - last;
            const double active = season(doy, 100, 8, 290, 8);
            c.green = active * v * (0.22 + 0.72 * (1 - std::exp(-t / 11.0)));
            c.dry = 0.25 * std::exp(-t / 6.0) + 0.3 * (1 - active);
            break;
        }
        case Cover::Grass:
        case Cover::Built: {
            // Pasture: green from May, a little summer dry-down, thatch all year.
            c.green = v * (0.2 + 0.55 * season(doy, 125, 10, 285, 12) - 0.08 * logistic((doy - 205) / 10.0));
            c.dry = 0.25 + 0.3 * (1 - season(doy, 125, 10, 285, 12));
            break;
        }
        case Cover::Trees: {
            // Deciduous: leaf-on in May, leaf-off in October; branches otherwise.
            c.green = 0.95 * season(doy, 128, 6, 292, 7);
            c.dry = 0.65 * (1 - c.green);
            break;
        }
        case Cover::Conifer: {
            // Evergreen: a little new growth in early summer.
            c.green = 0.88 * v + 0.05 * season(doy, 140, 8, 250, 10);
            c.dry = 0.06;
            break;
        }
        case Cover::Shrub:
        case Cover::Wetland: {
            c.green = v * (0.55 + 0.35 * season(doy, 120, 10, 280, 12));
            c.dry = 0.3 * (1 - season(doy, 120, 10, 280, 12));
            break;
        }
        default: break;  // water, bare, roads carry no canopy
    }
    c.green = std::clamp(c.green, 0.0, 1.0);
    c.dry = std::clamp(c.dry, 0.0, 1.0 - c.green);
    return c;
}

Surface surface_at(const Landscape& ls, std::size_t i, double doy) {
    static const Field kDefaultField{};
    const Cover cover = ls.cover[i];
    const Field& field = ls.field[i] ? ls.fields[ls.field[i] - 1] : kDefaultField;
    const double grain = ls.grain[i], patch = ls.patchiness[i], moist = ls.moisture[i];
    Surface out;
    Spectrum& rho = out.reflectance;
    switch (cover) {
        case Cover::Water: {
            for (int k = 0; k < kBandCount; ++k) rho[k] = kWater[k] + ls.mix[i] * kSediment[k];
            return out;  // flat water: no terrain shading
        }
        case Cover::Road: {
            const double m = ls.mix[i];
            for (int k = 0; k < kBandCount; ++k)
                rho[k] = ((1 - m) * kGravel[k] + m * kAsphalt[k]) * (1 + 0.05 * grain);
            break;
        }
        case Cover::Bare: {
            for (int k = 0; k < kBandCount; ++k) rho[k] = kBare[k] * (1 - 0.1 * moist + 0.04 * patch + 0.02 * grain);
            if (ls.mix[i] != 0)  // tinted soils of the other landscapes (Iowa's bare mix is 0)
                for (int k = 0; k < kBandCount; ++k) rho[k] += ls.mix[i] * kRedTint[k] + 0.05 * (ls.mix[i] - 0.5) * kBare[k];
            break;
        }
        case Cover::Sand: {
            const double m = ls.mix[i];
            for (int k = 0; k < kBandCount; ++k)
                rho[k] = (kSand[k] + m * kRedTint[k]) * (1 - 0.05 * moist + 0.05 * patch + 0.02 * grain);
            break;
        }
        case Cover::Rock: {
            const double bright = 0.6 + 0.8 * ls.mix[i];
            for (int k = 0; k < kBandCount; ++k) rho[k] = kRock[k] * bright * (1 + 0.08 * patch + 0.06 * grain);
            break;
        }
        case Cover::Roof: {
            // mix picks the material: white/metal (10 %), grey concrete, red tile, dark.
            const double m = ls.mix[i];
            const Spectrum& roof = m < 0.1 ? kWhiteRoof : m < 0.5 ? kRoof : m < 0.75 ? kTileRoof : kDarkRoof;
            for (int k = 0; k < kBandCount; ++k) rho[k] = roof[k] * (0.85 + 0.3 * hash_scale(m) + 0.05 * grain);
            break;
        }
        case Cover::Shallows: {
            // mix >= 0: bottom visibility; mix < 0: -turbidity (a river plume).
            const double bottom = std::max(0.0, double(ls.mix[i])), turbid = std::max(0.0, -double(ls.mix[i]));
            const double foam = ls.rows[i];
            for (int k = 0; k < kBandCount; ++k) {
                const double water = kSea[k] * (1 - 0.5 * bottom) + bottom * kBottom[k] +
                                     turbid * (kWater[k] - kSea[k] + 2 * kSediment[k]);
                rho[k] = (1 - foam) * water + foam * kFoam[k];
            }
            return out;
        }
        case Cover::Shrub: {
            // Sparse shrubs (mix = cover) over pale soil.
            const Canopy c = phenology(cover, doy, field);
            const double f = ls.mix[i] * (1 + 0.1 * grain);
            for (int k = 0; k < kBandCount; ++k) {
                const double leaf = c.green * kShrub[k] + (1 - c.green) * kDry[k];
                rho[k] = f * leaf + (1 - f) * kBare[k] * (1.1 + 0.05 * patch);
            }
            out.canopy = {f * c.green, f * (1 - c.green)};
            break;
        }
        case Cover::Wetland: {
            // Reeds over standing water: dark in the SWIR.
            const Canopy c = phenology(cover, doy, field);
            const double g = std::clamp(c.green * (1 + 0.15 * patch), 0.0, 1.0), d = std::min(c.dry, 1 - g);
            for (int k = 0; k < kBandCount; ++k) rho[k] = g * kMarsh[k] + d * kDry[k] + (1 - g - d) * kWater[k];
            out.canopy = c;
            break;
        }
        case Cover::Built: {
            // Roofs and pavement with lawns and street trees (mix = vegetated share).
            Canopy lawn = phenology(Cover::Grass, doy, field);
            const double m = ls.mix[i];
            for (int k = 0; k < kBandCount; ++k) {
                const double veg = lawn.green * kGrass[k] + (1 - lawn.green) * kDry[k];
                rho[k] = (1 - m) * kRoof[k] * (1 + 0.15 * grain) + m * veg;
            }
            out.canopy = {m * lawn.green, m * lawn.dry};
            break;
        }
        default: {
            Canopy c = phenology(cover, doy, field);
            // Within-field variation: smooth patches (soil, drainage), rows, pixel grain.
            const double texture = 1 + 0.12 * patch + 0.025 * ls.rows[i] + 0.02 * grain;
            c.green = std::clamp(c.green * texture, 0.0, 1.0);
            c.dry = std::clamp(c.dry, 0.0, 1.0 - c.green);
            const double soil_scale = field.soil_brightness * (1 - 0.15 * moist + 0.06 * patch);
            Spectrum soil{};
            for (int k = 0; k < kBandCount; ++k) soil[k] = kSoil[k] * soil_scale;
            rho = mix3(canopy_spectrum(cover), c.green, kDry, c.dry, soil, 1 - c.green - c.dry);
            out.canopy = c;
            break;
        }
    }
    const double shade = ls.shading[i];
    for (int k = 0; k < kBandCount; ++k) rho[k] = rho[k] * shade + 0.002 * grain;
    return out;
}

}  // namespace lssr::io::synth
