// lssr-model: inspect Stable-Diffusion base models and LSSR model bundles.
//   lssr-model keys DIR   one line per tensor "<component>.<name>\t[d0, d1, ...]"
#include <iostream>
#include <sstream>

#include "apps/common/tool.hpp"
#include "libsr/base_model_keys.hpp"

int main(int argc, char** argv) {
    lssr::app::Tool tool("lssr-model", "Inspect Stable-Diffusion base models (diffusers layout).");
    auto& cli = tool.cli();
    cli.require_subcommand(1);

    std::string keys_dir;
    auto* keys = cli.add_subcommand(
        "keys",
        "List the tensors of a base model folder as NAME<TAB>[SHAPE] (from config.json; weights checked)");
    keys->add_option("DIR", keys_dir, "Base model folder holding unet/ and vae/")->required();

    return tool.run(argc, argv, [&]() {
        std::ostringstream out;
        for (const auto& key : lssr::sr::list_base_model_keys(keys_dir))
            out << key.name << '\t' << lssr::sr::format_shape(key.shape) << '\n';
        std::cout << out.str() << std::flush;
        return std::cout ? 0 : 1;
    });
}
