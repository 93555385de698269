#pragma once
// Precompiled header of lssr_sr: the heavy LibTorch and JSON headers.
#include <torch/torch.h>
#include <nlohmann/json.hpp>
