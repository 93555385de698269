#pragma once
// Precompiled header of the LibTorch targets: LibTorch alone. Every other
// header a file uses it includes itself (the PCH must not hide a missing one).
#include <torch/torch.h>
