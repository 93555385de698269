#pragma once
// The suite's one scale factor: 30 m Landsat/HLS pixels to 10 m, three output
// pixels per input pixel each way. Everything that refines or coarsens a grid
// between the two resolutions uses this constant.
namespace lssr {

inline constexpr int kScaleFactor = 3;

}  // namespace lssr
