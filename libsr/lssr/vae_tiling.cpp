#include "libsr/lssr/vae_tiling.hpp"

#include <functional>
#include <vector>

#include "libio/tiling/tile_plan.hpp"

namespace lssr::sr {
namespace {

torch::Tensor axis_tensor(const io::AxisWeights& w, const torch::TensorOptions& options) {
    return torch::from_blob(const_cast<float*>(w.data()), {static_cast<int64_t>(w.size())}, torch::kFloat32)
        .to(options);
}

// On the CPU the VAE runs one image at a time: a small VAE's convolutions at
// 192 px took up to 3x longer per image in a batch of four (its activations
// leave the cache); measured on the default model, decoding is 20% faster so.
torch::Tensor per_image(const std::function<torch::Tensor(const torch::Tensor&)>& net, const torch::Tensor& x) {
    if (!x.device().is_cpu() || x.size(0) == 1) return net(x);
    std::vector<torch::Tensor> images;
    for (int64_t i = 0; i < x.size(0); ++i) images.push_back(net(x.slice(0, i, i + 1)));
    return torch::cat(images, 0);
}

// `net` maps [B,C,h,w] to [B,C',h*scale,w*scale]; x is cut into tiles of
// `tile` input pixels overlapping by `overlap` (for the encoder, multiples of
// its factor, so that every tile's output lies on whole latent pixels).
torch::Tensor in_tiles(const std::function<torch::Tensor(const torch::Tensor&)>& net, const torch::Tensor& x,
                       int64_t tile, int64_t overlap, double scale) {
    const int64_t H = x.size(2), W = x.size(3);
    if (tile <= 0 || (H <= tile && W <= tile)) return per_image(net, x);
    const auto plan = io::plan_tiles(static_cast<int>(W), static_cast<int>(H), static_cast<int>(tile),
                                     static_cast<int>(overlap), scale);
    torch::Tensor sum, weight;
    for (size_t i = 0; i < plan.size(); ++i) {
        const io::PlannedTile t = plan.at(i);
        const auto out = per_image(net, x.slice(2, t.input.row, t.input.row + t.input.height)
                                            .slice(3, t.input.col, t.input.col + t.input.width))
                             .to(torch::kFloat32);
        if (!sum.defined()) {
            sum = torch::zeros({out.size(0), out.size(1), plan.output_height, plan.output_width}, out.options());
            weight = torch::zeros({1, 1, plan.output_height, plan.output_width}, out.options());
        }
        const auto w = (axis_tensor(*t.weights_y, out.options()).view({-1, 1}) *
                        axis_tensor(*t.weights_x, out.options()).view({1, -1}))
                           .view({1, 1, t.output.height, t.output.width});
        auto rows = [&](torch::Tensor& a) {
            return a.slice(2, t.output.row, t.output.row + t.output.height)
                .slice(3, t.output.col, t.output.col + t.output.width);
        };
        rows(sum).add_(out * w);
        rows(weight).add_(w);
    }
    return (sum / weight).to(x.dtype());
}

}  // namespace

int64_t vae_factor(const AutoencoderKLImpl& vae) {
    return int64_t{1} << (static_cast<int64_t>(vae.config().block_out_channels.size()) - 1);
}

torch::Tensor encode_mean_tiled(AutoencoderKLImpl& vae, const torch::Tensor& x, const VaeTiling& tiling) {
    const int64_t f = vae_factor(vae);
    return in_tiles([&](const torch::Tensor& part) { return vae.encode(part).mean; }, x,
                    tiling.image_tile / f * f, tiling.image_overlap / f * f, 1.0 / static_cast<double>(f));
}

torch::Tensor decode_tiled(AutoencoderKLImpl& vae, const torch::Tensor& z, const VaeTiling& tiling) {
    const int64_t f = vae_factor(vae);
    return in_tiles([&](const torch::Tensor& part) { return vae.decode(part); }, z, tiling.image_tile / f,
                    tiling.image_overlap / f, static_cast<double>(f));
}

}  // namespace lssr::sr
