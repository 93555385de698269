#include "libsr/lssr/bundle_pack.hpp"

#include <torch/torch.h>

#include <utility>

#include "libio/core/errors.hpp"
#include "libio/gdal/staged_output.hpp"
#include "libsr/lssr/bundle.hpp"
#include "libsr/lssr/lora.hpp"
#include "libsr/model/base_model.hpp"

namespace lssr::sr {

void pack_bundle(const PackOptions& options) {
    if (options.rank < 1) throw OptionError("--rank must be a positive number");
    if (!(options.alpha > 0 && options.alpha <= 1e4)) throw OptionError("--alpha must be a number in (0, 10000]");
    io::check_outputs_apart({options.output}, {options.base_dir, options.prompt});
    torch::manual_seed(options.seed);
    auto base = load_base_model(options.base_dir);
    const int64_t width = base.unet->config().cross_attention_dim;
    auto prompt = options.prompt.empty() ? zero_prompt_embedding(width) : load_prompt_embedding(options.prompt, width);
    SrModel model(std::move(base), prompt, 1);
    LoraSpec spec;
    spec.rank = options.rank;
    spec.alpha = options.alpha;
    for (const char* branch : {"pix", "sem"}) add_lora_branch(*model.base().unet, branch, spec);
    if (options.knowledge) model.knowledge = KnowledgeModule(model.base().unet->config().in_channels);
    if (options.sar) model.sar_head = SarHead();
    BundleWriteOptions write;
    write.base_dir = options.base_dir;
    write.embed_base = options.embed_base;
    write.lora_alpha = options.alpha;
    write.overwrite = options.overwrite;
    write.provenance = {{"tool", options.tool},
                        {"recipe", "lssr-model pack (untrained: LoRA B = 0)"},
                        {"seed", std::to_string(options.seed)}};
    write_bundle(options.output, model, write);
}

}  // namespace lssr::sr
