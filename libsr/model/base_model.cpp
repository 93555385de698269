#include "libsr/model/base_model.hpp"

#include <filesystem>

#include <nlohmann/json.hpp>

#include "libio/core/errors.hpp"
#include "libio/gdal/staged_output.hpp"
#include "libio/gdal/text_file.hpp"
#include "libsr/model/base_model_keys.hpp"
#include "libsr/model/safetensors_torch.hpp"
#include "libsr/model/state_dict.hpp"
#include "libsr/model/weight_init.hpp"

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
    check_sr_base(unet_config, vae_config, dir);
    for (const auto& path : {files.unet_weights, files.vae_weights})
        if (!fs::exists(path)) throw InputError(path + ": no such file");

    const SafetensorsFile unet_file(files.unet_weights), vae_file(files.vae_weights);
    // Names and shapes first, on the meta device: a config declaring a huge
    // width fails against the file's shapes before anything is allocated.
    check_module_against_file(*UNet2DConditionModel(unet_config, ParamOptions::meta()), unet_file);
    check_module_against_file(*AutoencoderKL(vae_config, ParamOptions::meta()), vae_file, rename_legacy_vae_key);
    model.unet = UNet2DConditionModel(unet_config);
    load_module_weights(*model.unet, unet_file);
    model.vae = AutoencoderKL(vae_config);
    load_module_weights(*model.vae, vae_file, rename_legacy_vae_key);
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

BaseModelConfigs read_base_model_configs(const std::string& dir) {
    const auto files = base_model_files(dir);
    // Parse now so that a bad config fails before any training starts.
    read_unet_config(files.unet_config);
    read_vae_config(files.vae_config);
    return {io::read_text_file(files.unet_config), io::read_text_file(files.vae_config)};
}

BaseModel new_base_model(const std::string& config_dir, uint64_t seed) {
    const auto files = base_model_files(config_dir);
    BaseModel model;
    model.unet = UNet2DConditionModel(read_unet_config(files.unet_config));
    const auto vae_config = read_vae_config(files.vae_config);
    model.vae = AutoencoderKL(vae_config);
    model.scaling_factor = vae_config.scaling_factor;
    init_weights(*model.unet, seed);
    init_weights(*model.vae, seed + 1);
    return model;
}

void save_base_model(BaseModel& model, const BaseModelConfigs& configs, const std::string& dir) {
    auto vae_json = nlohmann::json::parse(configs.vae_json);
    vae_json["scaling_factor"] = model.scaling_factor;
    const fs::path root(dir);
    fs::create_directories(root / "unet");
    fs::create_directories(root / "vae");
    SafetensorsWriteOptions options;
    options.overwrite = true;
    const std::map<std::string, std::string> meta = {{"format", "pt"}};
    write_safetensors((root / "unet" / kWeights).string(), module_state(*model.unet), meta, options);
    write_safetensors((root / "vae" / kWeights).string(), module_state(*model.vae), meta, options);
    io::write_text_file((root / "unet" / "config.json").string(), configs.unet_json, true);
    io::write_text_file((root / "vae" / "config.json").string(), vae_json.dump(2) + "\n", true);
}

void init_base_model(const std::string& config_dir, const std::string& out_dir, uint64_t seed, bool overwrite) {
    io::StagedDirectory staged(out_dir, overwrite);  // refuses an existing folder before the work
    const auto configs = read_base_model_configs(config_dir);
    BaseModel model = new_base_model(config_dir, seed);
    save_base_model(model, configs, staged.temp_path());
    staged.commit();
}

}  // namespace lssr::sr
