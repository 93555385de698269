#pragma once
// The checks of an LSSR bundle (SPEC §5) against the meaning of its fields and
// the tensors it holds, made when it is loaded: every metadata field known and
// of its type, values within what the model can run, declared sizes equal to
// the stored shapes before a module of that size is allocated. Each failure is
// an InputError "<file>: metadata <field> ..." on one line.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "libsr/formats/configs.hpp"
#include "libsr/lssr/knowledge.hpp"
#include "libsr/formats/safetensors.hpp"
#include "libsr/lssr/sar_head.hpp"

namespace lssr::sr {

// Largest LoRA alpha accepted (alpha / rank scales every adapter's output).
constexpr double kMaxLoraAlpha = 1e4;

// A name read from a file, quoted for a message (control characters escaped).
std::string quoted_name(const std::string& name);

// An lssr-bundle/1 file with valid metadata and only the tensors a bundle
// holds; else InputError saying what the file is instead.
void require_bundle(const SafetensorsFile& file);

// Metadata values the loader uses: timestep an integer 0..999 (default 1),
// lora_alpha a number in (0, kMaxLoraAlpha] (default 8), architecture a JSON
// object ({} when absent, as in bare adapter files).
int64_t bundle_timestep(const SafetensorsFile& file);
// The input space the bundle was trained in (its "normalisation" text; absent
// or the pre-tile-band description = fixed).
InputNormalisation bundle_normalisation(const SafetensorsFile& file);
// How bundles written before "fixed:"/"tile-band:" began their normalisation text.
inline constexpr const char* kLegacyFixedNormalisation = "reflectance clamped to [0,1], x = 2*rho - 1";
double lora_alpha_of(const SafetensorsFile& file);
nlohmann::json architecture_of(const SafetensorsFile& file);

// The architecture's fields against the file's tensors and the UNet's width.
void check_architecture(const SafetensorsFile& file, const nlohmann::json& arch, int64_t cross_attention_dim);

// The side modules at the architecture's sizes, after checking those sizes
// (bounded, heads dividing widths) against the file's shapes.
KnowledgeModule build_knowledge(const SafetensorsFile& file, const nlohmann::json& arch, int64_t latent_channels);
SarHead build_sar_head(const SafetensorsFile& file, const nlohmann::json& arch);

}  // namespace lssr::sr
