#include "libsr/model/attention.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

namespace lssr::sr {

namespace {
// Score rows per pass: each pass's [batch*heads, rows, M] scores stay near 1 MB.
// One pass over all N queries at tile 96 makes 50 MB of scores per attention
// call; fresh blocks that large come from mmap and every page faults on first
// touch: the UNet stage ran 13x slower at tile 96 than in passes (bench/README.md).
constexpr int64_t kScoreBytesPerPass = int64_t{1} << 20;
}  // namespace

torch::Tensor scaled_dot_product(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v) {
    const double scale = 1.0 / std::sqrt(static_cast<double>(q.size(-1)));
    const int64_t n = q.size(-2), m = k.size(-2);
    const auto q3 = q.reshape({-1, n, q.size(-1)});
    const auto kt = k.reshape({-1, m, k.size(-1)}).transpose(1, 2);
    const auto v3 = v.reshape({-1, m, v.size(-1)});
    const int64_t bytes_per_row = std::max<int64_t>(1, q3.size(0) * m * static_cast<int64_t>(q.element_size()));
    const int64_t rows = std::clamp<int64_t>(kScoreBytesPerPass / bytes_per_row, 1, n);
    std::vector<torch::Tensor> parts;
    for (int64_t r = 0; r < n; r += rows) {
        // q k^T * scale in one GEMM (diffusers' baddbmm with beta 0), no second pass over the scores
        auto scores = torch::empty({q3.size(0), std::min(rows, n - r), m}, q.options());
        scores.baddbmm_(q3.narrow(1, r, scores.size(1)), kt, 0.0, scale);
        parts.push_back(torch::bmm(torch::softmax(scores, -1), v3));
    }
    auto out = parts.size() == 1 ? parts.front() : torch::cat(parts, 1);
    auto shape = q.sizes().vec();
    shape.back() = v.size(-1);
    return out.view(shape);
}

AttentionImpl::AttentionImpl(int64_t query_dim, int64_t context_dim, int64_t heads, int64_t head_dim,
                             bool qkv_bias, const ParamOptions& options)
    : heads_(heads) {
    const int64_t inner = heads * head_dim;
    const int64_t kv_dim = context_dim > 0 ? context_dim : query_dim;
    to_q = register_module("to_q", Linear(query_dim, inner, options, qkv_bias));
    to_k = register_module("to_k", Linear(kv_dim, inner, options, qkv_bias));
    to_v = register_module("to_v", Linear(kv_dim, inner, options, qkv_bias));
    to_out = register_module("to_out", torch::nn::ModuleList());
    to_out->push_back(Linear(inner, query_dim, options));
    to_out->push_back(Placeholder());
}

torch::Tensor AttentionImpl::forward(const torch::Tensor& x, const torch::Tensor& context) {
    const auto& ctx = context.defined() ? context : x;
    const int64_t b = x.size(0);
    auto split = [&](const torch::Tensor& t) {  // [B, N, h*d] -> [B, h, N, d]
        return t.view({b, t.size(1), heads_, -1}).transpose(1, 2);
    };
    auto out = scaled_dot_product(split(to_q(x)), split(to_k(ctx)), split(to_v(ctx)));
    out = out.transpose(1, 2).reshape({b, x.size(1), -1});
    return to_out[0]->as<LinearImpl>()->forward(out);
}

VaeAttentionImpl::VaeAttentionImpl(int64_t channels, int64_t groups, double eps, const ParamOptions& options) {
    group_norm = register_module("group_norm", GroupNorm(groups, channels, eps, options));
    to_q = register_module("to_q", Linear(channels, channels, options));
    to_k = register_module("to_k", Linear(channels, channels, options));
    to_v = register_module("to_v", Linear(channels, channels, options));
    to_out = register_module("to_out", torch::nn::ModuleList());
    to_out->push_back(Linear(channels, channels, options));
    to_out->push_back(Placeholder());
}

torch::Tensor VaeAttentionImpl::forward(const torch::Tensor& x) {
    const int64_t b = x.size(0), c = x.size(1), h = x.size(2), w = x.size(3);
    // One head over all channels, pixels as the sequence: [B, HW, C].
    const auto seq = group_norm(x).view({b, c, h * w}).transpose(1, 2).unsqueeze(1);
    auto out = scaled_dot_product(to_q(seq), to_k(seq), to_v(seq)).squeeze(1);
    out = to_out[0]->as<LinearImpl>()->forward(out);
    return out.transpose(1, 2).reshape({b, c, h, w}) + x;
}

}  // namespace lssr::sr
