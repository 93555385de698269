#include "libsr/lssr/model_choice.hpp"

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <utility>

#include "libio/core/errors.hpp"
#include "libsr/lssr/bundle.hpp"
#include "libsr/formats/sha256.hpp"
#include "libsr/model/torch_errors.hpp"

namespace fs = std::filesystem;

namespace lssr::sr {

namespace {

LoadedModel load(const ModelChoice& choice) {
    LoadedModel out;
    if (!choice.bundle.empty()) {
        if (!choice.adapter.empty() && choice.adapter != "none")
            throw OptionError("--adapter goes with --base-model; a bundle carries its own adapters");
        out.model = std::make_unique<SrModel>(load_bundle(choice.bundle));
        auto& m = *out.model;
        if (!choice.prompt.empty())
            m.set_prompt(load_prompt_embedding(choice.prompt, m.base().unet->config().cross_attention_dim));
        if (choice.timestep >= 0) m.set_timestep(choice.timestep);
        out.model->set_lambdas(choice.lambda_pix, choice.lambda_sem);
        out.name = "bundle " + fs::path(choice.bundle).filename().string();
        std::vector<std::string> hashed{choice.bundle};
        if (!choice.prompt.empty()) hashed.push_back(choice.prompt);
        out.sha256 = sha256_files(hashed);
        return out;
    }
    const auto files = base_model_files(choice.base_model);
    auto base = load_base_model(choice.base_model);
    const int64_t width = base.unet->config().cross_attention_dim;
    auto prompt = choice.prompt.empty() ? zero_prompt_embedding(width) : load_prompt_embedding(choice.prompt, width);
    std::vector<std::string> hashed{files.unet_config, files.unet_weights, files.vae_config, files.vae_weights};
    if (!choice.prompt.empty()) hashed.push_back(choice.prompt);
    out.model = std::make_unique<SrModel>(std::move(base), std::move(prompt), choice.timestep < 0 ? 1 : choice.timestep);
    const bool adapter = !choice.adapter.empty() && choice.adapter != "none";
    if (adapter) {
        apply_adapter_file(*out.model, choice.adapter);
        hashed.push_back(choice.adapter);
    }
    out.model->set_lambdas(choice.lambda_pix, choice.lambda_sem);
    out.name = "base model " + fs::path(choice.base_model).lexically_normal().string() +
               (adapter ? " + adapter " + fs::path(choice.adapter).filename().string() : " (plain one-step, no adapter)");
    out.sha256 = sha256_files(hashed);
    return out;
}

}  // namespace

std::string find_default_model(const std::vector<std::string>& data_dirs) {
    const std::string rel = "models/default.safetensors";
    std::string tried;
    for (const auto& d : data_dirs) {
        const auto p = (fs::path(d) / rel).string();
        if (fs::exists(p)) return p;
        tried += (tried.empty() ? "" : ", ") + p;
    }
    throw OptionError("no model named and no default model found (" + tried +
                      "): use --model BUNDLE or --base-model DIR");
}

ModelChoice ModelChoice::resolve(const std::string& installed_data_dir, const std::string& source_data_dir) const {
    ModelChoice out = *this;
    if (!bundle.empty() || !base_model.empty()) return out;
    std::vector<std::string> dirs;
    if (const char* env = std::getenv("LSSR_DATA_DIR")) dirs.push_back(env);
    dirs.push_back(installed_data_dir);
    dirs.push_back(source_data_dir);
    out.bundle = find_default_model(dirs);
    return out;
}

int64_t unet_parameters(SrModel& model) {
    int64_t n = 0;
    for (const auto& p : model.base().unet->parameters()) n += p.numel();
    return n;
}

LoadedModel load_model(const ModelChoice& choice) {
    if (choice.bundle.empty() == choice.base_model.empty())
        throw OptionError("name one model: --model BUNDLE or --base-model DIR");
    if (choice.timestep < -1 || choice.timestep > 999) throw OptionError("--timestep must be in 0..999");
    // NaN or huge weights would turn every output pixel into NaN.
    const std::pair<const char*, double> lambdas[] = {{"--lambda-pix", choice.lambda_pix}, {"--lambda-sem", choice.lambda_sem}};
    for (const auto& [name, value] : lambdas)
        if (!std::isfinite(value) || std::abs(value) > 1e3)
            throw OptionError(std::string(name) + " must be a number in -1000..1000");
    // LibTorch's own errors (shapes, allocation) become one line naming the model.
    return naming_file_on_error(choice.bundle.empty() ? choice.base_model : choice.bundle, [&] { return load(choice); });
}

}  // namespace lssr::sr
