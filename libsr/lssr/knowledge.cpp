#include "libsr/lssr/knowledge.hpp"

namespace lssr::sr {
namespace {

namespace F = torch::nn::functional;

torch::nn::Sequential make_encoder(int64_t out) {
    auto conv = [](int64_t in, int64_t o, int64_t stride) {
        return torch::nn::Conv2d(torch::nn::Conv2dOptions(in, o, 3).stride(stride).padding(1));
    };
    return torch::nn::Sequential(conv(1, 16, 2), torch::nn::ReLU(), conv(16, 32, 2), torch::nn::ReLU(),
                                 conv(32, 64, 2), torch::nn::ReLU(), conv(64, out, 1));
}

// Samples whose tensor holds at least one finite value [B] (bool).
torch::Tensor present(const torch::Tensor& t) { return torch::isfinite(t).flatten(1).any(1); }

torch::Tensor nan_to_zero(const torch::Tensor& t) {
    return torch::where(torch::isfinite(t), t, torch::zeros_like(t));
}

}  // namespace

MultiheadAttentionImpl::MultiheadAttentionImpl(int64_t dim, int64_t heads) : dim_(dim), heads_(heads) {
    in_proj_weight = register_parameter("in_proj_weight", torch::empty({3 * dim, dim}));
    in_proj_bias = register_parameter("in_proj_bias", torch::zeros({3 * dim}));
    out_proj = register_module("out_proj", torch::nn::Linear(dim, dim));
    torch::NoGradGuard no_grad;
    torch::nn::init::xavier_uniform_(in_proj_weight);
    out_proj->bias.zero_();
}

torch::Tensor MultiheadAttentionImpl::forward(const torch::Tensor& q, const torch::Tensor& kv) {
    const auto w = in_proj_weight.chunk(3, 0);
    const auto b = in_proj_bias.chunk(3, 0);
    const int64_t B = q.size(0), Nq = q.size(1), Nk = kv.size(1), hd = dim_ / heads_;
    auto heads = [&](const torch::Tensor& x, int64_t n) { return x.view({B, n, heads_, hd}).transpose(1, 2); };
    const auto Q = heads(torch::linear(q, w[0], b[0]), Nq);
    const auto K = heads(torch::linear(kv, w[1], b[1]), Nk);
    const auto V = heads(torch::linear(kv, w[2], b[2]), Nk);
    const auto attn = torch::softmax(torch::matmul(Q, K.transpose(-2, -1)) / std::sqrt(double(hd)), -1);
    const auto out = torch::matmul(attn, V).transpose(1, 2).reshape({B, Nq, dim_});
    return out_proj->forward(out);
}

KnowledgeModuleImpl::KnowledgeModuleImpl(int64_t latent_channels, int64_t dim, int64_t heads, int64_t attention_stride)
    : heads_(heads), attention_stride_(std::max<int64_t>(1, attention_stride)) {
    dem_encoder = register_module("dem_encoder", make_encoder(latent_channels));
    lc_encoder = register_module("lc_encoder", make_encoder(latent_channels));
    month_encoder = register_module("month_encoder", torch::nn::Embedding(5, latent_channels));
    latent_project_in = register_module("latent_project_in", torch::nn::Conv2d(torch::nn::Conv2dOptions(latent_channels, dim, 1)));
    latent_project_out = register_module("latent_project_out", torch::nn::Conv2d(torch::nn::Conv2dOptions(dim, latent_channels, 1)));
    cross_attn = register_module("cross_attn", MultiheadAttention(dim, heads));
    gamma_rgb = register_parameter("gamma_rgb", torch::ones({}));
    gamma_ir = register_parameter("gamma_ir", torch::ones({}));
}

torch::Tensor normalise_dem(const torch::Tensor& metres) {
    return nan_to_zero(metres).clamp(0.0, 300.0) / 300.0 * 2.0 - 1.0;
}

std::pair<torch::Tensor, torch::Tensor> KnowledgeModuleImpl::knowledge(const KnowledgeInputs& in, int64_t batch,
                                                                       torch::IntArrayRef latent_size,
                                                                       const torch::Device& device) {
    const int64_t channels = latent_project_in->weight.size(1);
    const auto dtype = latent_project_in->weight.scalar_type();  // the module's precision
    auto k = torch::zeros({batch, channels, latent_size[0], latent_size[1]},
                          torch::TensorOptions().device(device).dtype(dtype));
    auto any = torch::zeros({batch}, torch::TensorOptions().dtype(torch::kBool).device(device));
    auto add_map = [&](const torch::Tensor& raw, torch::nn::Sequential& encoder, bool dem) {
        if (!raw.defined()) return;
        const auto x = raw.to(device, torch::kFloat32);
        const auto has = present(x);
        auto feat = encoder->forward((dem ? normalise_dem(x) : nan_to_zero(x)).to(dtype));
        if (feat.size(2) != latent_size[0] || feat.size(3) != latent_size[1])
            feat = F::interpolate(feat, F::InterpolateFuncOptions()
                                            .size(std::vector<int64_t>{latent_size[0], latent_size[1]})
                                            .mode(torch::kBilinear)
                                            .align_corners(false));
        k = k + feat * has.to(dtype).view({-1, 1, 1, 1});
        any = any | has;
    };
    add_map(in.dem, dem_encoder, true);
    add_map(in.landcover, lc_encoder, false);
    if (in.month.defined()) {
        // The authors' embedding covers May..September (index 0..4); other months count as unknown.
        const auto m = in.month.to(device, torch::kInt64);
        const auto has = (m >= 5) & (m <= 9);
        const auto emb = month_encoder->forward((m - 5).clamp(0, 4));
        k = k + (emb * has.to(dtype).unsqueeze(1)).view({batch, channels, 1, 1});
        any = any | has;
    }
    return {k, any};
}

torch::Tensor KnowledgeModuleImpl::forward(const torch::Tensor& z, const KnowledgeInputs& inputs, int branch) {
    return attend(z, inputs, (branch == 0 ? gamma_rgb : gamma_ir).expand({z.size(0)}), 1);
}

torch::Tensor KnowledgeModuleImpl::forward_branches(const torch::Tensor& z, const KnowledgeInputs& inputs) {
    const int64_t B = z.size(0) / 2;
    return attend(z, inputs, torch::cat({gamma_rgb.expand({B}), gamma_ir.expand({B})}), 2);
}

torch::Tensor KnowledgeModuleImpl::attend(const torch::Tensor& z, const KnowledgeInputs& inputs,
                                          const torch::Tensor& gamma, int64_t branches) {
    const int64_t N = z.size(0), B = N / branches, h = z.size(2), w = z.size(3);
    const int64_t s = attention_stride_;
    // Queries on the coarse grid (ceil so that every latent pixel is covered).
    const auto zq = s > 1 ? F::avg_pool2d(z, F::AvgPool2dFuncOptions(s).stride(s).ceil_mode(true)) : z;
    const int64_t gh = zq.size(2), gw = zq.size(3);
    // Month alone is the same at every pixel: attending over identical keys
    // equals attending over one of them (the softmax is uniform), so one
    // knowledge token stands for all and the cost does not grow with the tile.
    const bool spatial = inputs.dem.defined() || inputs.landcover.defined();
    const std::vector<int64_t> grid = spatial ? std::vector<int64_t>{gh, gw} : std::vector<int64_t>{1, 1};
    // The knowledge latent depends on the side inputs only: one for all branches.
    auto [k, any] = knowledge(inputs, B, grid, z.device());
    if (!any.any().item<bool>()) return z;
    auto tokens = [](const torch::Tensor& x) { return x.flatten(2).transpose(1, 2); };
    const auto q = tokens(latent_project_in->forward(zq));
    auto kv = tokens(latent_project_in->forward(k));
    if (branches > 1) kv = kv.repeat({branches, 1, 1});
    const auto attn = cross_attn->forward(q, kv).transpose(1, 2).reshape({N, -1, gh, gw});
    auto delta = latent_project_out->forward(attn) * gamma.view({-1, 1, 1, 1});
    if (s > 1)
        delta = F::interpolate(delta, F::InterpolateFuncOptions()
                                          .size(std::vector<int64_t>{h, w})
                                          .mode(torch::kBilinear)
                                          .align_corners(false));
    // Samples without any knowledge keep their latent.
    const auto known = branches > 1 ? any.repeat({branches}) : any;
    return z + delta * known.to(z.dtype()).view({-1, 1, 1, 1});
}

}  // namespace lssr::sr
