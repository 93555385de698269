#pragma once
// `lssr-model pack`: a fresh, untrained bundle on a base model. Both LoRA
// branches (pix, sem) start with B = 0, so the bundle's output equals the plain
// one-step base model's until it is trained; optional knowledge module and SAR
// head; the prompt embedding from a file or zeros.
#include <cstdint>
#include <string>

namespace lssr::sr {

struct PackOptions {
    std::string base_dir;       // diffusers base folder (unet/, vae/)
    std::string output;         // the bundle to write
    std::string prompt;         // prompt_embeds file to store ("" = zeros)
    int rank = 4;               // LoRA rank of both branches
    double alpha = 8.0;         // LoRA alpha (scaling alpha/rank)
    bool embed_base = false;    // store the base weights, else a reference to base_dir
    bool knowledge = false;     // add a knowledge module (DEM, land cover, month)
    bool sar = false;           // add a SAR head
    uint64_t seed = 0;          // of the initialisation (LibTorch's global generator)
    std::string tool;           // the tool's version string, for the provenance
    bool overwrite = false;
};

// Writes the bundle atomically. Throws OptionError for a rank below 1, an
// alpha outside (0, 10000] or an output that is one of the inputs, InputError
// for unreadable or inconsistent inputs, OutputError when it cannot write.
void pack_bundle(const PackOptions& options);

}  // namespace lssr::sr
