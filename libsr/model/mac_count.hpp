#pragma once
// Counts the multiply-accumulates (MACs) of the convolutions and matrix
// products that run on the calling thread while a MacCounter lives, from the
// shapes ATen's operators are called with (RecordFunction). Elementwise ops,
// norms and softmax are not counted: they are memory-bound, not MACs. An op
// inside a counted op (linear -> addmm) is not counted twice. Counters nest
// (a counter per stage inside one for the whole forward).
#include <torch/torch.h>

#include <cstdint>

namespace lssr::sr {

class MacCounter {
public:
    MacCounter();
    ~MacCounter();
    MacCounter(const MacCounter&) = delete;
    MacCounter& operator=(const MacCounter&) = delete;
    int64_t macs() const;

private:
    int64_t start_;
    bool owner_ = false;
    at::CallbackHandle handle_ = 0;
};

}  // namespace lssr::sr
