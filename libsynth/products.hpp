#pragma once
// How each product stores what the sensors saw: digital-number encodings,
// quality bits (HLS Fmask, Landsat QA_PIXEL) and the per-product sensor models.
#include <cstdint>
#include <vector>

#include "libio/gdal/raster.hpp"
#include "libsynth/landscape.hpp"
#include "libsynth/sensors.hpp"

namespace lssr::io::synth {

// Sentinel-2 L2A, processing baseline >= 04.00: DN = rho * 10000 + 1000 (0 = nodata).
double s2_dn(double reflectance);
// Landsat Collection 2 L2 surface reflectance: rho = DN * 2.75e-5 - 0.2 (0 = nodata).
double landsat_dn(double reflectance);
// HLS v2.0: Int16 rho * 10000, scale 0.0001 in the metadata (-9999 = nodata).
double hls_dn(double reflectance);

// Landsat C2 QA_PIXEL values as USGS writes them, confidence bits included.
namespace qa_pixel {
inline constexpr std::uint16_t kFill = 1;
inline constexpr std::uint16_t kClear = 21824;    // clear; low cloud/shadow/snow/cirrus confidence
inline constexpr std::uint16_t kWater = 21952;    // clear water
inline constexpr std::uint16_t kCloud = 22280;    // cloud, high confidence
inline constexpr std::uint16_t kShadow = 23888;   // cloud shadow, high confidence
inline constexpr std::uint16_t kDilated = 21762;  // dilated cloud (next to cloud or shadow)
inline constexpr std::uint16_t kWaterBit = 1u << 7;
}  // namespace qa_pixel

// Share of water (landscape cover) in each pixel of a 30 m grid.
std::vector<float> water_share(const Landscape& landscape, const CoarseGrid& grid);

// HLS Fmask: cloud, shadow, adjacent (within 2 pixels), water, aerosol "low".
RasterBlock hls_fmask(const Clouds& clouds, const std::vector<float>& water_share);

// Landsat QA_PIXEL from the same cloud and water information.
RasterBlock landsat_qa(const Clouds& clouds, const std::vector<float>& water_share);

// Percentage of cloud pixels (the CLOUD_COVERAGE of HLS metadata).
double cloud_percent(const Clouds& clouds);

// Sensor models of the 30 m products: relative gains against Sentinel-2 MSI,
// noise, and a geolocation shift drawn per scene (`index`) from the seed.
SensorModel landsat_sensor(std::uint64_t seed, int index);
SensorModel l30_sensor(std::uint64_t seed, int index);
SensorModel s30_sensor(std::uint64_t seed, int index);

}  // namespace lssr::io::synth
