#include "libsr/model/mac_count.hpp"

#include <ATen/record_function.h>

#include <cstring>
#include <string_view>

namespace lssr::sr {
namespace {

thread_local int64_t counted_macs = 0;
thread_local int counted_depth = 0;  // > 0 inside a counted op

bool counted(std::string_view name) {
    for (const char* op : {"aten::conv2d", "aten::convolution", "aten::_convolution", "aten::conv_transpose2d",
                           "aten::linear", "aten::matmul", "aten::mm", "aten::addmm", "aten::bmm", "aten::baddbmm",
                           "aten::scaled_dot_product_attention"})
        if (name == op) return true;
    return false;
}

int64_t list_at(const c10::IValue& v, size_t i, int64_t fallback) {
    if (!v.isIntList()) return fallback;
    const auto list = v.toIntVector();
    if (list.empty()) return fallback;
    return list[std::min(i, list.size() - 1)];
}

int64_t conv_macs(c10::ArrayRef<const c10::IValue> in, bool has_transposed_flag) {
    if (in.size() < 2 || !in[0].isTensor() || !in[1].isTensor()) return 0;
    const auto x = in[0].toTensor().sizes(), w = in[1].toTensor().sizes();
    if (x.size() != 4 || w.size() != 4) return 0;
    const bool transposed = has_transposed_flag && in.size() > 6 && in[6].isBool() && in[6].toBool();
    if (transposed) return x[0] * x[1] * x[2] * x[3] * w[1] * w[2] * w[3];
    int64_t out_size[2];
    for (size_t d = 0; d < 2; ++d) {
        const int64_t stride = in.size() > 3 ? list_at(in[3], d, 1) : 1;
        const int64_t dilation = in.size() > 5 ? list_at(in[5], d, 1) : 1;
        // padding="same" (a string) keeps the size at stride 1
        if (in.size() > 4 && !in[4].isIntList()) {
            out_size[d] = x[2 + d];
            continue;
        }
        const int64_t pad = in.size() > 4 ? list_at(in[4], d, 0) : 0;
        out_size[d] = (x[2 + d] + 2 * pad - dilation * (w[2 + d] - 1) - 1) / stride + 1;
    }
    return x[0] * w[0] * out_size[0] * out_size[1] * w[1] * w[2] * w[3];
}

// a @ b with broadcasting batch dimensions.
int64_t matmul_macs(const at::Tensor& a, const at::Tensor& b) {
    if (a.dim() < 1 || b.dim() < 1) return 0;
    const int64_t k = a.size(-1);
    const int64_t n = a.dim() >= 2 ? a.size(-2) : 1;
    const int64_t m = b.dim() >= 2 ? b.size(-1) : 1;
    const int64_t batch_a = a.numel() / std::max<int64_t>(1, n * k);
    const int64_t batch_b = b.numel() / std::max<int64_t>(1, k * m);
    return std::max(batch_a, batch_b) * n * k * m;
}

int64_t op_macs(std::string_view name, c10::ArrayRef<const c10::IValue> in) {
    auto tensor = [&](size_t i) { return i < in.size() && in[i].isTensor() ? in[i].toTensor() : at::Tensor(); };
    if (name == "aten::conv2d") return conv_macs(in, false);
    if (name == "aten::convolution" || name == "aten::_convolution" || name == "aten::conv_transpose2d")
        return conv_macs(in, name != "aten::conv_transpose2d");
    if (name == "aten::linear") {
        const auto x = tensor(0), w = tensor(1);
        return x.defined() && w.defined() && w.dim() == 2 ? x.numel() * w.size(0) : 0;
    }
    if (name == "aten::matmul" || name == "aten::mm" || name == "aten::bmm") {
        const auto a = tensor(0), b = tensor(1);
        return a.defined() && b.defined() ? matmul_macs(a, b) : 0;
    }
    if (name == "aten::addmm" || name == "aten::baddbmm") {
        const auto a = tensor(1), b = tensor(2);
        return a.defined() && b.defined() ? matmul_macs(a, b) : 0;
    }
    if (name == "aten::scaled_dot_product_attention") {
        const auto q = tensor(0), k = tensor(1), v = tensor(2);
        if (!q.defined() || !k.defined() || !v.defined() || q.dim() < 2) return 0;
        const int64_t batch = q.numel() / (q.size(-2) * q.size(-1));
        return batch * q.size(-2) * k.size(-2) * (q.size(-1) + v.size(-1));
    }
    return 0;
}

std::unique_ptr<at::ObserverContext> on_start(const at::RecordFunction& fn) {
    const std::string_view name = fn.name();
    if (!counted(name)) return nullptr;
    if (counted_depth++ == 0) counted_macs += op_macs(name, fn.inputs());
    return nullptr;
}

void on_end(const at::RecordFunction& fn, at::ObserverContext*) {
    if (counted(fn.name()) && counted_depth > 0) --counted_depth;
}

}  // namespace

thread_local int active_counters = 0;  // counters may nest: one callback counts for all

MacCounter::MacCounter() : start_(counted_macs) {
    if (active_counters++ == 0) {
        counted_depth = 0;
        handle_ = at::addThreadLocalCallback(at::RecordFunctionCallback(on_start, on_end).needsInputs(true));
        owner_ = true;
    }
}

MacCounter::~MacCounter() {
    --active_counters;
    if (owner_) at::removeCallback(handle_);
}

int64_t MacCounter::macs() const { return counted_macs - start_; }

}  // namespace lssr::sr
