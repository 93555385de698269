#pragma once
// The super-resolution forward of the suite on 6-band tiles (SPEC §5):
// reflectance in [0,1] -> bilinear x3 -> per branch (RGB = red,green,blue;
// IR = nir,swir1,swir2) z = encode(x).mean*sf, eps = UNet(z, t, prompt),
// y = clamp(decode((z - eps)/sf), -1, 1) -> reflectance (y+1)/2.
// A base whose VAE was trained on tile-band normalised images (its config's
// lssr_normalisation, model_input.hpp) gets bicubic x3 of the tile in the
// tile's own units instead, and its output is that image plus what the
// denoising step changes, decode(z - eps) - decode(z), mapped back with the
// tile's mean and spread: a residual over the smooth upsampling that keeps the
// input's level.
// Without adapters this is the plain one-step path; adapters add LoRA to the
// UNet, the knowledge module in latent space and the SAR head after decoding.
#include <torch/torch.h>

#include <memory>
#include <string>

#include "libsr/model/base_model.hpp"
#include "libsr/model/safetensors_torch.hpp"
#include "libsr/lssr/knowledge.hpp"
#include "libsr/lssr/sar_head.hpp"
#include "libsr/lssr/vae_tiling.hpp"

namespace lssr {
class StageProfile;
}

namespace lssr::sr {

// Optional side information for a batch of tiles at the output (x3) size.
// Undefined tensors mean "absent"; a tile whose values are all NaN counts as
// absent too.
struct SideTensors {
    torch::Tensor dem;        // [B,1,H,W] metres
    torch::Tensor landcover;  // [B,1,H,W] Dynamic World class index
    torch::Tensor s1;         // [B,2,H,W] VV, VH in dB
    torch::Tensor month;      // [B] int64 calendar month 1-12, 0 = unknown
};

// Band order of tiles: the suite's canonical roles blue..swir2.
constexpr int kTileBands = 6;

// What one forward produces on the model's device (for training).
struct SrOutput {
    torch::Tensor reflectance;  // [B,6,H,W] blue..swir2, (y+1)/2 of the branch images
    torch::Tensor rgb, ir;      // [B,3,H,W] branch images in [-1,1] (red,green,blue / nir,swir1,swir2)
    torch::Tensor latent_rgb;   // [B,C,h,w] the RGB branch's denoised latent z - eps (scaled)
};

// The networks of a model. Each is registered under its name in
// SrModel::module_tree(), and that name prefixes its tensors in bundles and
// training checkpoints: "unet.", "vae.", "knowledge.", "post_fusion.".
enum class SrPart { Unet, Vae, Knowledge, SarHead };

class SrModel {
public:
    SrModel(BaseModel base, torch::Tensor prompt_embeds, int64_t timestep = 1);
    ~SrModel();
    SrModel(SrModel&&) noexcept;
    SrModel& operator=(SrModel&&) noexcept;

    // Moves every module and the prompt onto `device`.
    void to(const torch::Device& device);
    const torch::Device& device() const { return device_; }
    // The networks' weights and activations in `dtype` (kFloat32, the default;
    // kBFloat16 or kHalf halve their memory): inputs are cast to it, outputs
    // back to fp32, and the tile statistics stay in fp32.
    void set_precision(torch::ScalarType dtype);
    torch::ScalarType precision() const { return dtype_; }

    // lr: [B,6,h,w] reflectance (blue..swir2), NaN-free. Returns [B,6,3h,3w].
    torch::Tensor forward(const torch::Tensor& lr, const SideTensors& aux = {});
    // The same forward, keeping the branch images and the latent on the device.
    SrOutput forward_full(const torch::Tensor& lr, const SideTensors& aux = {});

    BaseModel& base() { return base_; }
    int64_t timestep() const { return timestep_; }
    void set_timestep(int64_t t) { timestep_ = t; }
    void set_prompt(torch::Tensor prompt) { prompt_ = prompt.to(device_); }
    const torch::Tensor& prompt() const { return prompt_; }
    // Adapter mixing (sr-anchors §1.2): eps = lp*UNet(W+pix) + ls*(UNet(W+pix+sem) - UNet(W+pix)).
    // With both at 1 the adapters are merged into the weights (one UNet pass).
    void set_lambdas(double lambda_pix, double lambda_sem);
    double lambda_pix() const { return lambda_pix_; }
    double lambda_sem() const { return lambda_sem_; }
    // True when lambdas other than 1/1 keep the adapters apart: each forward
    // then switches LoRA branches inside the UNet (two passes, and not safe
    // to run from two threads at once).
    bool mixes_adapters() const { return lambda_pix_ != 1.0 || lambda_sem_ != 1.0; }

    // eps for a scaled latent [B,C,h,w], with adapter mixing when adapters are not merged.
    torch::Tensor predict_noise(const torch::Tensor& z);

    // Seconds per stage (vae_encode, knowledge, unet, vae_decode, sar_head)
    // go to `profile` from now on; null stops profiling.
    void set_profile(StageProfile* profile) { profile_ = profile; }
    // Images larger than this go through the VAE in overlapping tiles
    // (libsr/lssr/vae_tiling.hpp), bounding memory for large --tile values.
    void set_vae_tiling(const VaeTiling& tiling) { vae_tiling_ = tiling; }
    const VaeTiling& vae_tiling() const { return vae_tiling_; }
    // Multiply-adds per stage go to `profile` (counting slows the forward: for one tile).
    void set_mac_profile(StageProfile* profile) { mac_profile_ = profile; }

    // Side modules; null when the model has none.
    KnowledgeModule knowledge{nullptr};
    SarHead sar_head{nullptr};

    // Output sizes must be multiples of this (VAE and UNet down-sampling); forward pads.
    int64_t size_multiple() const;

    // The registered name of a part ("unet", "vae", "knowledge", "post_fusion")
    // and the prefix of its tensor names (that name and a dot).
    static const char* part_name(SrPart part);
    static std::string part_prefix(SrPart part);
    // The networks as one registered module tree: the UNet and the VAE, and the
    // knowledge module and the SAR head when present, each under part_name.
    // Built on each call from the current parts (the side modules may be set or
    // cleared at any time); it shares their weights.
    std::shared_ptr<torch::nn::Module> module_tree();
    // One part's module (null when the part is absent): what the tree registers.
    std::shared_ptr<torch::nn::Module> part_module(SrPart part);
    // The parameters of one part as the tree names them ("knowledge.gamma_rgb"),
    // the live tensors, in registration order; empty when the part is absent.
    NamedTensors named_parameters(SrPart part);
    // Parameters then buffers of one part under the same names, detached on the
    // CPU: what a file of the part holds.
    NamedTensors state(SrPart part);
    // The UNet's LoRA adapters (not registered parameters) under the UNet's
    // prefix, "unet.<module>.lora_A.<adapter>.weight", the live tensors.
    NamedTensors lora_parameters();

private:
    BaseModel base_;
    torch::Tensor prompt_;
    int64_t timestep_;
    double lambda_pix_ = 1.0, lambda_sem_ = 1.0;
    torch::Device device_{torch::kCPU};
    StageProfile* profile_ = nullptr;
    StageProfile* mac_profile_ = nullptr;
    torch::ScalarType dtype_ = torch::kFloat32;
    VaeTiling vae_tiling_;
};

// The [1,77,C] prompt from a safetensors file holding "prompt_embeds"; checks
// that C equals the UNet's cross-attention width.
torch::Tensor load_prompt_embedding(const std::string& path, int64_t cross_attention_dim);
// Zeros [1,77,C]: the default when no prompt file is given.
torch::Tensor zero_prompt_embedding(int64_t cross_attention_dim);

}  // namespace lssr::sr
