#include "libsr/base_model.hpp"

#include <filesystem>

#include "libio/errors.hpp"
#include "libsr/base_model_keys.hpp"
#include "libsr/state_dict.hpp"

namespace fs = std::filesystem;

namespace lssr::sr {

namespace {
constexpr const char* kWeights = "diffusion_pytorch_model.safetensors";
}

BaseModelFiles base_model_files(const std::string& dir) {
    if (!fs::is_directory(dir)) throw InputError(dir + ": not a folder (expected a diffusers base model)");
    const fs::path root(dir);
    return {(root / "unet" / "config.json").string(), (root / "unet" / kWeights).string(),
            (root / "vae" / "config.json").string(), (root / "vae" / kWeights).string()};
}

BaseModel load_base_model(const std::string& dir) {
    const auto files = base_model_files(dir);
    BaseModel model;
    const auto unet_config = read_unet_config(files.unet_config);
    const auto vae_config = read_vae_config(files.vae_config);
    for (const auto& path : {files.unet_weights, files.vae_weights})
        if (!fs::exists(path)) throw InputError(path + ": no such file");

    model.unet = UNet2DConditionModel(unet_config);
    load_module_weights(*model.unet, SafetensorsFile(files.unet_weights));
    model.vae = AutoencoderKL(vae_config);
    load_module_weights(*model.vae, SafetensorsFile(files.vae_weights), rename_legacy_vae_key);
    model.scaling_factor = vae_config.scaling_factor;
    model.unet->eval();
    model.vae->eval();
    return model;
}

std::vector<TensorKey> list_base_model_keys(const std::string& dir) {
    const auto files = base_model_files(dir);
    const auto meta = ParamOptions::meta();
    std::vector<TensorKey> keys;
    auto add = [&](torch::nn::Module& module, const std::string& component, const std::string& weights,
                   const KeyRename& rename) {
        if (fs::exists(weights)) check_module_against_file(module, SafetensorsFile(weights), rename);
        for (auto& key : module_tensor_keys(module)) keys.push_back({component + "." + key.name, key.shape});
    };
    UNet2DConditionModel unet(read_unet_config(files.unet_config), meta);
    add(*unet, "unet", files.unet_weights, {});
    AutoencoderKL vae(read_vae_config(files.vae_config), meta);
    add(*vae, "vae", files.vae_weights, rename_legacy_vae_key);
    return keys;
}

}  // namespace lssr::sr
