#include "libsr/train/phase.hpp"

namespace lssr::sr {

const char* phase_name(Phase phase) {
    switch (phase) {
        case Phase::BaseVae: return "vae";
        case Phase::BaseUnet: return "unet";
        case Phase::BaseDecoder: return "decoder";
        case Phase::LssrPixel: return "pix";
        case Phase::LssrSemantic: return "sem";
    }
    return "?";
}

bool is_base_phase(Phase phase) {
    return phase == Phase::BaseVae || phase == Phase::BaseUnet || phase == Phase::BaseDecoder;
}

std::vector<PhaseStart> stage_phases(TrainStage stage, int64_t steps, int64_t vae_steps, int64_t decoder_steps,
                                     int64_t pix_steps) {
    if (stage == TrainStage::Base)
        return {{Phase::BaseVae, 0}, {Phase::BaseUnet, vae_steps}, {Phase::BaseDecoder, steps - decoder_steps}};
    return {{Phase::LssrPixel, 0}, {Phase::LssrSemantic, pix_steps}};
}

}  // namespace lssr::sr
