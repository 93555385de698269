#pragma once
// Training data in the LSSR dataset layout (ours from lssr-tile and the
// authors'): per sample <prefix>_L8.tif (LR, 30 m) and <prefix>_S2.tif (HR,
// 10 m, 3x the LR size), optionally <prefix>_DEM.tif, _LC.tif, _S1.tif at the
// HR size; <prefix> = <id>_<YYYYMMDD>. LR files with 6 bands are blue..swir2;
// 7-band files are Landsat SR_B1..B7 (B2..B7 used). HR files with 6 bands are
// blue..swir2; 12-band files are the authors' S2 L2A order B1..B8,B8A,B9,B11,B12.
#include <torch/torch.h>

#include <cstdint>
#include <string>
#include <vector>

namespace lssr::sr {

struct SampleFiles {
    std::string prefix;  // path without the _XX.tif suffix
    std::string lr, hr, dem, landcover, s1;  // "" = absent
    int month = 0;       // from the date in the name; 0 = unknown
};

// One sample as tensors (CPU, float32); undefined = absent layer.
struct TrainSample {
    torch::Tensor lr;         // [6,h,w] reflectance in [0,1] (NaN -> 0)
    torch::Tensor hr;         // [6,3h,3w]
    torch::Tensor dem;        // [1,3h,3w] metres (NaN = missing)
    torch::Tensor landcover;  // [1,3h,3w] class index (NaN = missing)
    torch::Tensor s1;         // [2,3h,3w] dB (NaN = missing)
    int month = 0;
};

// A batch: layers stacked; a side layer is defined when every sample has it.
struct TrainBatch {
    torch::Tensor lr, hr, dem, landcover, s1, month;  // month [B] int64
    int64_t size() const { return lr.defined() ? lr.size(0) : 0; }
};

// Every sample under `dirs`: a folder holding <split>/ is read from there,
// else the folder itself. Sorted by path. Throws InputError for a folder
// without samples or an S2 file without its L8 partner.
std::vector<SampleFiles> scan_dataset(const std::vector<std::string>& dirs, const std::string& split);

// Reads one sample. Throws InputError naming the file (bands, sizes).
TrainSample load_sample(const SampleFiles& files);

// Random crop of `crop` LR pixels (0 = whole patch, aligned 3x on the HR side)
// and identical random horizontal/vertical flips on every layer, drawn from `gen`.
TrainSample augment(const TrainSample& sample, int64_t crop, bool flips, at::Generator& gen);

TrainBatch collate(const std::vector<TrainSample>& samples);

}  // namespace lssr::sr
