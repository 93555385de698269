#include "libsr/train/lpips.hpp"

#include <array>

#include "libio/core/errors.hpp"
#include "libsr/formats/safetensors.hpp"
#include "libsr/model/safetensors_torch.hpp"

namespace lssr::sr {

namespace {

struct ConvSpec {
    int index;  // position in torchvision's vgg16().features
    int64_t in, out;
};

// VGG16's convolutions, grouped by the lpips slice (= stage) they end.
const std::array<std::vector<ConvSpec>, 5> kStages = {{
    {{0, 3, 64}, {2, 64, 64}},
    {{5, 64, 128}, {7, 128, 128}},
    {{10, 128, 256}, {12, 256, 256}, {14, 256, 256}},
    {{17, 256, 512}, {19, 512, 512}, {21, 512, 512}},
    {{24, 512, 512}, {26, 512, 512}, {28, 512, 512}},
}};

// lpips' ScalingLayer constants (ImageNet statistics mapped to [-1,1]).
const std::array<double, 3> kShift = {-0.030, -0.088, -0.188};
const std::array<double, 3> kScale = {0.458, 0.448, 0.450};

std::string shape_text(at::IntArrayRef shape) {
    std::string s = "[";
    for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? "," : "") + std::to_string(shape[i]);
    return s + "]";
}

// The first of `names` present in the file, as a frozen float tensor of `shape`.
torch::Tensor load_one(const SafetensorsFile& file, const std::vector<std::string>& names,
                       const std::vector<int64_t>& shape) {
    for (const auto& name : names) {
        const TensorInfo* info = file.find(name);
        if (!info) continue;
        if (info->shape != shape)
            throw InputError(file.path() + ": LPIPS tensor \"" + name + "\" has shape " + shape_text(info->shape) +
                             ", expected " + shape_text(shape));
        return load_float_tensor(file, *info).requires_grad_(false);
    }
    std::string tried;
    for (const auto& name : names) tried += (tried.empty() ? "\"" : " or \"") + name + "\"";
    throw InputError(file.path() + ": no LPIPS tensor " + tried);
}

// Unit length over channels, as lpips.normalize_tensor (eps outside the sqrt).
torch::Tensor unit_channels(const torch::Tensor& x) {
    return x / (torch::sqrt(torch::sum(x * x, 1, /*keepdim=*/true)) + 1e-10);
}

}  // namespace

Lpips Lpips::load(const std::string& path) {
    const SafetensorsFile file(path);  // InputError when missing or malformed
    Lpips lpips;
    for (std::size_t s = 0; s < kStages.size(); ++s) {
        std::vector<Conv> stage;
        for (const auto& spec : kStages[s]) {
            const std::string lpips_name = "net.slice" + std::to_string(s + 1) + "." + std::to_string(spec.index);
            const std::string torchvision_name = "features." + std::to_string(spec.index);
            Conv conv;
            conv.weight = load_one(file, {lpips_name + ".weight", torchvision_name + ".weight"},
                                   {spec.out, spec.in, 3, 3});
            conv.bias = load_one(file, {lpips_name + ".bias", torchvision_name + ".bias"}, {spec.out});
            stage.push_back(conv);
        }
        lpips.stages_.push_back(std::move(stage));
        const auto k = std::to_string(s);
        lpips.lins_.push_back(load_one(file, {"lin" + k + ".model.1.weight", "lins." + k + ".model.1.weight"},
                                       {1, kStages[s].back().out, 1, 1}));
    }
    return lpips;
}

std::vector<torch::Tensor> Lpips::features(const torch::Tensor& x) const {
    const auto shift = torch::tensor(std::vector<double>(kShift.begin(), kShift.end()), x.options()).view({1, 3, 1, 1});
    const auto scale = torch::tensor(std::vector<double>(kScale.begin(), kScale.end()), x.options()).view({1, 3, 1, 1});
    auto h = (x - shift) / scale;
    std::vector<torch::Tensor> out;
    for (std::size_t s = 0; s < stages_.size(); ++s) {
        if (s > 0) h = torch::max_pool2d(h, 2, 2);  // the MaxPool that opens slices 2..5
        for (const auto& conv : stages_[s]) h = torch::relu(torch::conv2d(h, conv.weight, conv.bias, 1, 1));
        out.push_back(h);
    }
    return out;
}

torch::Tensor Lpips::distance(const torch::Tensor& a, const torch::Tensor& b) const {
    TORCH_CHECK(a.dim() == 4 && a.size(1) == 3 && a.sizes() == b.sizes(),
                "LPIPS needs two [B,3,H,W] images of one shape, got ", a.sizes(), " and ", b.sizes());
    const auto fa = features(a);
    const auto fb = features(b);
    torch::Tensor total = torch::zeros({a.size(0)}, a.options());
    for (std::size_t k = 0; k < fa.size(); ++k) {
        const auto diff = (unit_channels(fa[k]) - unit_channels(fb[k])).pow(2);
        total = total + torch::conv2d(diff, lins_[k]).mean({1, 2, 3});
    }
    return total;
}

torch::Tensor Lpips::operator()(const torch::Tensor& a, const torch::Tensor& b) const { return distance(a, b).mean(); }

}  // namespace lssr::sr
