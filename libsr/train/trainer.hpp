#pragma once
// lssr-train's engine. Two stages:
//  - Base: pre-trains a small SD-architecture base from scratch on the HR
//    patches: first the VAE (reconstruction: L2 + FFT + a small KL term; its
//    scaling_factor is then set to 1/std of the latents, as SD's was), then the
//    UNet (frozen VAE) on the one-step residual the LSSR forward uses:
//    UNet(z_lr, t) -> z_lr - z_hr, z = encode(x).mean * scaling_factor.
//  - Lssr: trains the LoRA branches (pixel for --pix-steps, then semantic with
//    the pixel branch frozen but active, as PiSA-SR), the knowledge module and
//    the SAR head through the very same forward lssr-upscale runs, with the
//    paper's losses.
// Runs are reproducible: data order, crops and flips come from (seed, step),
// and a checkpoint holds weights, optimizer state and the step, so a resumed
// run ends with the same weights as an uninterrupted one.
//
// RUN_DIR holds:
//  - checkpoint.safetensors: the trained weights, the AdamW state and the step
//    (train_checkpoint.hpp), rewritten every --checkpoint-every steps, at each
//    phase's end and at the last step;
//  - log.jsonl: one JSON object per step (train_log.hpp);
//  - model.safetensors (Lssr): the bundle, written at the end;
//  - base/: Base: the result, a diffusers folder; Lssr from a bundle that
//    embeds its base: that base written out, so the result can embed it again.
#include <torch/torch.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "libio/core/progress.hpp"
#include "libsr/lssr/sar_head.hpp"
#include "libsr/train/losses.hpp"
#include "libsr/train/phase.hpp"

namespace lssr::sr {

class ProcessGroup;

struct TrainOptions {
    TrainStage stage = TrainStage::Lssr;
    std::vector<std::string> datasets;  // LSSR dataset folders (train/ and test/ inside, or flat)
    std::string run_dir;
    std::string model;       // Lssr: start from this bundle (its base, adapters, side modules)
    std::string base_model;  // Lssr: the base folder; Base: the architecture (config.json files)
    int64_t steps = 1000;    // total optimizer steps (Base: VAE steps included)
    int64_t vae_steps = 0;   // Base: the first steps train the VAE, the rest the UNet
    int64_t decoder_steps = 0;  // Base: the last steps fine-tune the VAE decoder on the one-step
                                // outputs (encoder and UNet frozen), as SD's ft-MSE decoder was
    double decoder_learning_rate = 0;  // Base: the decoder phase's learning rate (0 = learning_rate)
    int64_t batch = 4;       // samples per step and process
    int64_t crop = 0;        // random crop in LR pixels (0 = whole patches)
    double learning_rate = 0;  // 0 = the stage's default, default_learning_rate(stage)
    bool cosine_schedule = false;  // else constant (the authors'); cosine decays to 0 over each phase
    double weight_decay = 1e-2;
    double grad_clip = 1.0;  // max global gradient norm (0 = off)
    int lora_rank = 4;
    double lora_alpha = 8.0;
    int64_t pix_steps = 0;   // Lssr: steps of the pixel branch before the semantic one
    uint64_t seed = 0;
    int64_t checkpoint_every = 100;
    int64_t val_every = 0;   // 0 = validate only at the end
    int64_t val_samples = 16;
    int64_t timestep = 1;
    bool resume = false;
    bool overwrite = false;  // replace an existing run folder's results
    LossWeights weights;
    // Lssr: score the losses on the output after lssr-upscale's consistency
    // projection (projection.hpp), the output users get by default, so the
    // networks spend themselves on what the projection cannot add (an addition of ours).
    bool loss_on_projection = false;
    std::string lpips_weights;    // safetensors with VGG16 + LPIPS heads ("" = LPIPS off)
    std::string csd_base;         // pretrained text-conditioned SD base for CSD ("" = off)
    std::string positive_prompt;  // safetensors prompt_embeds for CSD
    std::string negative_prompt;
    bool knowledge = true;        // train (and ship) the knowledge module
    bool sar_head = true;         // train (and ship) the SAR head
    int64_t knowledge_dim = 256, knowledge_heads = 4;
    SarHeadShape sar_shape;
    // Lssr with --model: replace the bundle's SAR head by a new one of
    // sar_shape and train it alone (LoRA and knowledge module kept as they are).
    bool new_sar = false;
    torch::Device device = torch::kCPU;
    ProcessGroup* group = nullptr;  // data-parallel peers (null = one process)

    // Refuses options that cannot make a run: OptionError naming the option as
    // lssr-train spells it. train() calls it too.
    void validate() const;
    // learning_rate, or the stage's default when it is 0.
    double effective_learning_rate() const;
};

// The AdamW learning rate a stage trains with unless told otherwise:
// 5e-5 for Lssr (the authors'), 1e-3 for Base (a small network from scratch).
double default_learning_rate(TrainStage stage);

struct TrainResult {
    int64_t steps_done = 0;
    std::string output;  // model.safetensors (Lssr) or the base folder (Base); "" on ranks > 0
    double seconds = 0;
    std::string weights_sha256;  // of every trained tensor's bytes: equal on all ranks of a run
};

// Warnings (e.g. a loss term that is off) go to `warn`; progress to `progress`.
// Writes the RUN_DIR files listed above. Throws lssr errors.
TrainResult train(const TrainOptions& options, const Progress& progress,
                  const std::function<void(const std::string&)>& warn);

}  // namespace lssr::sr
