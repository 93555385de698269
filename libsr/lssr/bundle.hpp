#pragma once
// LSSR model bundle (SPEC §5): one .safetensors file holding the adapters
// (unet.<module>.lora_{A,B}.<adapter>.weight), the knowledge module
// (knowledge.*), the SAR head (post_fusion.*), the prompt embedding
// (prompt_embeds), and either the base weights (unet.*, vae.* with their
// config.json texts in the metadata) or a reference to an external base folder.
// __metadata__ (strings): format, architecture (JSON), band_roles (JSON),
// normalisation, scale_factor, timestep, lora_alpha, base, base_path,
// base_sha256, provenance (JSON).
#include <map>
#include <string>

#include "libsr/lssr/sr_model.hpp"

namespace lssr::sr {

inline constexpr const char* kBundleFormat = "lssr-bundle/1";

struct BundleWriteOptions {
    std::string base_dir;          // the model's base folder (configs, and weights when embedded)
    bool embed_base = false;       // else the bundle refers to base_dir
    double lora_alpha = 8.0;
    std::map<std::string, std::string> provenance;  // written as a JSON object
    bool overwrite = false;
};

// Writes the model (its unmerged adapters, side modules, prompt) as a bundle,
// atomically. Throws OutputError / InputError.
void write_bundle(const std::string& path, SrModel& model, const BundleWriteOptions& options);

// Loads a bundle. `base_override` replaces an external base reference ("" =
// the stored path, relative to the bundle's folder). Throws InputError naming
// the file and the tensor for anything truncated, missing or inconsistent.
SrModel load_bundle(const std::string& path, const std::string& base_override = {});

// Adds what an adapter or bundle file holds (LoRA, knowledge, SAR head,
// prompt) to a model built from a base folder.
void apply_adapter_file(SrModel& model, const std::string& path);

// What `lssr-model info` prints.
struct BundleSummary {
    std::map<std::string, std::string> metadata;
    long long base_unet_params = 0, base_vae_params = 0;  // 0 when the base is external
    std::map<std::string, long long> lora_params;          // by adapter name
    long long knowledge_params = 0, sar_params = 0, prompt_params = 0;
    int lora_modules = 0;                                  // layers carrying adapters
    std::string sha256;                                    // of the file
    long long bytes = 0;
};
BundleSummary summarize_bundle(const std::string& path);

}  // namespace lssr::sr
