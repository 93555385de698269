#pragma once
// PEFT-exact LoRA on the UNet, as PiSA-SR and LSSR use it: the target modules
// (reference: pisa-lora-targets.txt, 258 per branch on SD 2.1), three adapters
// per branch named default_{encoder,decoder,others}_{pix,sem}, A initialised as
// PEFT does (gaussian std 1/r, or kaiming-uniform a=sqrt(5)), B zero, scaling
// lora_alpha/r, state-dict keys "<module>.lora_A.<adapter>.weight".
#include <torch/torch.h>

#include <string>
#include <vector>

#include "libsr/formats/safetensors.hpp"
#include "libsr/model/safetensors_torch.hpp"
#include "libsr/model/unet.hpp"

namespace lssr::sr {

enum class LoraGroup { Encoder, Decoder, Others };
const char* lora_group_name(LoraGroup group);  // "encoder", "decoder", "others"

struct LoraTarget {
    std::string module;  // diffusers module name, e.g. "down_blocks.0.resnets.0.conv1"
    LoraGroup group;
    bool conv = false;   // Conv2d (else Linear)
};

// PiSA-SR's selection over the UNet's parameters (pisasr.py L40-83): names
// matching to_k/to_q/to_v/to_out.0/conv*/proj_in/proj_out/ff.net.*, not bias or
// norm; down_blocks/conv_in -> encoder, up_blocks/conv_out -> decoder, else others.
std::vector<LoraTarget> pisa_lora_targets(torch::nn::Module& unet);

// "default_<group>_<branch>" (branch "pix" or "sem").
std::string lora_adapter_name(LoraGroup group, const std::string& branch);

enum class LoraInit { Gaussian, Kaiming };

struct LoraSpec {
    int rank = 4;
    double alpha = 8.0;  // PEFT's default lora_alpha (PiSA-SR never sets it)
    LoraInit init = LoraInit::Gaussian;
};

// Adds one branch ("pix" or "sem") of adapters to every target, freshly
// initialised (B = 0, so the UNet's output is unchanged).
void add_lora_branch(torch::nn::Module& unet, const std::string& branch, const LoraSpec& spec);

// Every adapter tensor as PEFT names it ("<module>.lora_A.<adapter>.weight").
NamedTensors lora_state(torch::nn::Module& unet);

// Adds the adapters found in `tensors` (PEFT names, optionally under `prefix`)
// with scaling alpha/r (r from the shapes). Throws InputError naming `where`
// and the tensor when a module is unknown or shapes do not fit.
void load_lora_state(torch::nn::Module& unet, const NamedTensors& tensors, double alpha, const std::string& where);

// Turns the adapters of a branch on or off (adapter names ending "_<branch>").
void set_lora_branch_active(torch::nn::Module& unet, const std::string& branch, bool active);

// Moves the adapters (not registered parameters) along with their layers.
void lora_to(torch::nn::Module& unet, const torch::Device& device, torch::ScalarType dtype = torch::kFloat32);

// True when some layer carries an adapter that is not merged.
bool has_lora(torch::nn::Module& unet);

// The weight change of one adapter, shaped like the base weight.
torch::Tensor lora_delta_weight(const LoraDelta& delta, bool conv);

// Adds every active adapter into its layer's weight and removes all adapters:
// afterwards one plain UNet pass computes base + every branch.
void merge_lora(torch::nn::Module& unet);

}  // namespace lssr::sr
