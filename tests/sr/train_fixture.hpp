#pragma once
// A tiny LSSR-layout dataset made on the fly: HR patches of smooth fields with
// sharp borders, LR = their 3x3 block means, plus DEM, land cover and S1.
#include <string>

namespace lssr::test {

// Writes DIR/train/ (`train` samples) and DIR/test/ (`test` samples), LR
// `lr_size` px at 30 m, HR 3x at 10 m; the same seed gives the same files.
void make_train_dataset(const std::string& dir, int train, int test, int lr_size, unsigned seed);

}  // namespace lssr::test
