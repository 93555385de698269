#pragma once
// The phases of a training run, in the order they run. Their names are what
// log.jsonl's "phase" field and the progress text say; the LSSR phases' names
// are also the LoRA branches they train ("pix", "sem").
#include <cstdint>
#include <string>
#include <vector>

namespace lssr::sr {

enum class TrainStage { Base, Lssr };

enum class Phase {
    BaseVae,      // "vae": the autoencoder on the HR patches
    BaseUnet,     // "unet": the UNet on the one-step residual, VAE frozen
    BaseDecoder,  // "decoder": the VAE decoder on the one-step outputs, the rest frozen
    LssrPixel,    // "pix": the pixel LoRA branch with the side modules, pixel losses
    LssrSemantic  // "sem": the semantic LoRA branch (pixel branch frozen but active), every loss
};

const char* phase_name(Phase phase);
bool is_base_phase(Phase phase);

// A phase and the step it starts at (0-based).
struct PhaseStart {
    Phase phase;
    int64_t first_step;
};

// The stage's phases in order. A phase whose successor starts at the same step
// (or a last phase starting at `steps`) does not run.
std::vector<PhaseStart> stage_phases(TrainStage stage, int64_t steps, int64_t vae_steps, int64_t decoder_steps,
                                     int64_t pix_steps);

}  // namespace lssr::sr
