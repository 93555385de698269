#include "libsr/lssr/sr_model.hpp"

#include "libio/core/errors.hpp"
#include "libio/core/stage_profile.hpp"
#include "libsr/lssr/lora.hpp"
#include "libsr/lssr/model_input.hpp"
#include "libsr/model/mac_count.hpp"

#include <optional>
#include "libsr/model/safetensors_torch.hpp"
#include "libio/core/scale.hpp"

namespace lssr::sr {
namespace {

constexpr int64_t kPromptTokens = 77;
// Tile-band images beyond this many units (3 std each) are a diverging network, not a surface.
constexpr double kMaxTileBandImage = 8.0;
constexpr double kMaxOutputReflectance = 2.0;

}  // namespace

SrModel::SrModel(BaseModel base, torch::Tensor prompt_embeds, int64_t timestep)
    : base_(std::move(base)), prompt_(std::move(prompt_embeds)), timestep_(timestep) {}
SrModel::~SrModel() = default;
SrModel::SrModel(SrModel&&) noexcept = default;
SrModel& SrModel::operator=(SrModel&&) noexcept = default;

const char* SrModel::part_name(SrPart part) {
    switch (part) {
        case SrPart::Unet: return "unet";
        case SrPart::Vae: return "vae";
        case SrPart::Knowledge: return "knowledge";
        case SrPart::SarHead: return "post_fusion";  // the LSSR authors' name for the SAR fusion head
    }
    return "?";
}

std::string SrModel::part_prefix(SrPart part) { return std::string(part_name(part)) + "."; }

std::shared_ptr<torch::nn::Module> SrModel::part_module(SrPart part) {
    switch (part) {
        case SrPart::Unet: return base_.unet.ptr();
        case SrPart::Vae: return base_.vae.ptr();
        case SrPart::Knowledge: return knowledge ? knowledge.ptr() : nullptr;
        case SrPart::SarHead: return sar_head ? sar_head.ptr() : nullptr;
    }
    return nullptr;
}

std::shared_ptr<torch::nn::Module> SrModel::module_tree() {
    auto tree = std::make_shared<torch::nn::Module>("SrModel");
    for (SrPart part : {SrPart::Unet, SrPart::Vae, SrPart::Knowledge, SrPart::SarHead})
        if (auto module = part_module(part)) tree->register_module(part_name(part), module);
    return tree;
}

// A part's own names under its prefix: the names the tree gives it, without
// building the tree and filtering every part's tensors.
NamedTensors SrModel::named_parameters(SrPart part) {
    NamedTensors out;
    const auto module = part_module(part);
    if (!module) return out;
    const auto prefix = part_prefix(part);
    for (const auto& p : module->named_parameters()) out.emplace_back(prefix + p.key(), p.value());
    return out;
}

NamedTensors SrModel::state(SrPart part) {
    NamedTensors out;
    const auto module = part_module(part);
    if (!module) return out;
    const auto prefix = part_prefix(part);
    for (const auto& p : module->named_parameters())
        out.emplace_back(prefix + p.key(), p.value().detach().to(torch::kCPU));
    for (const auto& b : module->named_buffers())
        out.emplace_back(prefix + b.key(), b.value().detach().to(torch::kCPU));
    return out;
}

NamedTensors SrModel::lora_parameters() {
    NamedTensors out;
    for (auto& [name, t] : lora_state(*base_.unet)) out.emplace_back(part_prefix(SrPart::Unet) + name, t);
    return out;
}

void SrModel::to(const torch::Device& device) {
    module_tree()->to(device);
    lora_to(*base_.unet, device, dtype_);
    prompt_ = prompt_.to(device);
    device_ = device;
}

void SrModel::set_precision(torch::ScalarType dtype) {
    module_tree()->to(dtype);
    lora_to(*base_.unet, device_, dtype);
    prompt_ = prompt_.to(dtype);
    dtype_ = dtype;
}

void SrModel::set_lambdas(double lambda_pix, double lambda_sem) {
    lambda_pix_ = lambda_pix;
    lambda_sem_ = lambda_sem;
    if (!mixes_adapters()) merge_lora(*base_.unet);
}

torch::Tensor SrModel::predict_noise(const torch::Tensor& z) {
    const auto t = torch::full({z.size(0)}, timestep_, torch::TensorOptions().dtype(torch::kInt64).device(z.device()));
    const auto context = prompt_.expand({z.size(0), prompt_.size(1), prompt_.size(2)});
    auto& unet = *base_.unet;
    // At lambda 1/1 the mix equals one pass with every adapter active.
    if (!has_lora(unet) || !mixes_adapters()) return unet.forward(z, t, context);
    set_lora_branch_active(unet, "sem", true);
    const auto pred_sem = unet.forward(z, t, context);
    set_lora_branch_active(unet, "sem", false);
    const auto pred_pix = unet.forward(z, t, context);
    set_lora_branch_active(unet, "sem", true);
    return lambda_pix_ * pred_pix + lambda_sem_ * (pred_sem - pred_pix);
}

int64_t SrModel::size_multiple() const { return sr::size_multiple(base_); }

SrOutput SrModel::forward_full(const torch::Tensor& lr, const SideTensors& aux) {
    if (lr.dim() != 4 || lr.size(1) != kTileBands)
        throw InputError("model input must be [B,6,h,w] (blue, green, red, nir, swir1, swir2)");
    const int64_t H = lr.size(2) * kScaleFactor, W = lr.size(3) * kScaleFactor;
    const int64_t m = size_multiple();
    // Both branches go through the networks as one batch (the networks are
    // shared; only the knowledge module's gamma differs per branch).
    const auto mode = input_normalisation(base_);
    const auto lr_device = lr.to(device_, torch::kFloat32);
    const auto scaling = branch_scaling(lr_device, mode);
    const auto input = network_input(lr_device, m, mode, scaling);
    const auto net_input = input.to(dtype_);  // the networks run in dtype_, the rest in fp32
    SideTensors padded = aux;
    for (auto* t : {&padded.dem, &padded.landcover, &padded.s1})
        if (t->defined()) *t = pad_to_multiple(t->to(device_, torch::kFloat32), m);
    if (padded.month.defined()) padded.month = padded.month.to(device_);
    const int64_t B = lr.size(0);
    const double sf = base_.scaling_factor;
    // Stage times for --profile; on a GPU each stage waits for its kernels.
    auto timed = [&](const char* stage, auto&& work) {
        StageTimer timer(profile_, stage);
        std::optional<MacCounter> macs;
        if (mac_profile_) macs.emplace();
        auto result = work();
        if (profile_ && device_.is_cuda()) torch::cuda::synchronize();
        if (macs) mac_profile_->add_macs(stage, macs->macs());
        return result;
    };
    const auto z_input = timed("vae_encode", [&] { return encode_mean_tiled(*base_.vae, net_input, vae_tiling_) * sf; });
    auto z = z_input;
    if (knowledge)
        z = timed("knowledge", [&] {
            const KnowledgeInputs k{padded.dem, padded.landcover, padded.month};
            return knowledge->forward_branches(z, k);
        });
    const auto denoised = timed("unet", [&] { return z - predict_noise(z); });
    torch::Tensor y;
    if (mode == InputNormalisation::Fixed) {
        y = timed("vae_decode", [&] {
            return decode_tiled(*base_.vae, denoised / sf, vae_tiling_).to(torch::kFloat32).clamp(-1.0, 1.0);  // SPEC §5
        });
    } else {
        // Tile-band: the residual over the smooth upsampling is what the
        // denoising step (and the knowledge module) change in the decoded
        // image, decode(z - eps) - decode(z), so the autoencoder's own
        // reconstruction error cancels and a network that changes nothing
        // returns the bicubic x3 exactly. Both decodes go as one batch. The
        // clamp is a guard only: images are in units of 3 std of the tile,
        // and a bright roof reaches about 4.
        y = timed("vae_decode", [&] {
            const auto both = decode_tiled(*base_.vae, torch::cat({denoised, z_input}, 0) / sf, vae_tiling_);
            const int64_t n = denoised.size(0);
            const auto detail = (both.slice(0, 0, n) - both.slice(0, n)).to(torch::kFloat32);
            return (input + detail).clamp(-kMaxTileBandImage, kMaxTileBandImage);
        });
    }
    if (sar_head && padded.s1.defined())
        y = timed("sar_head", [&] {
            const auto s1 = padded.s1.to(y.device(), torch::kFloat32);
            const auto has = torch::isfinite(s1).flatten(1).any(1).to(y.dtype()).view({-1, 1, 1, 1}).repeat({2, 1, 1, 1});
            const auto s1n = normalise_s1(s1);
            // Both branches fuse the same S1 scene: the head takes it once.
            const auto fused = sar_head->forward(y.to(dtype_), s1n.to(dtype_)).to(torch::kFloat32);
            return y + (fused - y) * has;
        });
    // Drop the padding.
    y = y.slice(2, 0, H).slice(3, 0, W);
    SrOutput out;
    out.latent_rgb = denoised.slice(0, 0, B).to(torch::kFloat32);
    if (mode == InputNormalisation::Fixed) {
        out.rgb = y.slice(0, 0, B);
        out.ir = y.slice(0, B);
        out.reflectance = from_branches(y);
        return out;
    }
    // Tile-band: the networks' images are the tile's smooth upsampling plus
    // detail, in the tile's units; back to reflectance with the tile's own
    // mean and spread, so the input's radiometry carries through unchanged.
    out.reflectance = denormalise_branches(y, scaling).clamp(0.0, kMaxOutputReflectance);
    const auto branches = to_branches(out.reflectance);
    out.rgb = branches.slice(0, 0, B);
    out.ir = branches.slice(0, B);
    return out;
}

torch::Tensor SrModel::forward(const torch::Tensor& lr, const SideTensors& aux) {
    return forward_full(lr, aux).reflectance.to(torch::kCPU);
}

torch::Tensor load_prompt_embedding(const std::string& path, int64_t cross_attention_dim) {
    SafetensorsFile file(path);
    const auto* info = file.find("prompt_embeds");
    if (!info) throw InputError(path + ": no tensor \"prompt_embeds\"");
    auto t = load_weight_tensor(file, *info);
    if (t.dim() == 2) t = t.unsqueeze(0);
    if (t.dim() != 3 || t.size(0) != 1 || t.size(2) != cross_attention_dim)
        throw InputError(path + ": prompt_embeds must be [1, N, " + std::to_string(cross_attention_dim) +
                         "] for this UNet (cross-attention width " + std::to_string(cross_attention_dim) + ")");
    return t;
}

torch::Tensor zero_prompt_embedding(int64_t cross_attention_dim) {
    return torch::zeros({1, kPromptTokens, cross_attention_dim});
}

}  // namespace lssr::sr
