#include "libsr/model/state_dict.hpp"

#include <map>

#include "libio/core/error_text.hpp"
#include "libsr/model/safetensors_torch.hpp"

namespace lssr::sr {

std::string format_shape(const std::vector<int64_t>& shape) {
    std::string s = "[";
    for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
    return s + "]";
}

std::vector<TensorKey> module_tensor_keys(torch::nn::Module& module) {
    std::vector<TensorKey> keys;
    for (const auto& p : module.named_parameters()) keys.push_back({p.key(), p.value().sizes().vec()});
    for (const auto& b : module.named_buffers()) keys.push_back({b.key(), b.value().sizes().vec()});
    return keys;
}

NamedTensors module_state(torch::nn::Module& module, const std::string& prefix) {
    NamedTensors out;
    for (const auto& p : module.named_parameters()) out.emplace_back(prefix + p.key(), p.value().detach().to(torch::kCPU));
    for (const auto& b : module.named_buffers()) out.emplace_back(prefix + b.key(), b.value().detach().to(torch::kCPU));
    return out;
}

std::string rename_legacy_vae_key(const std::string& name) {
    static const std::pair<const char*, const char*> kLegacy[] = {
        {".query.", ".to_q."}, {".key.", ".to_k."}, {".value.", ".to_v."}, {".proj_attn.", ".to_out.0."}};
    if (name.find(".attentions.") == std::string::npos) return name;
    for (const auto& [old_name, new_name] : kLegacy) {
        const auto at = name.rfind(old_name);
        if (at != std::string::npos) return name.substr(0, at) + new_name + name.substr(at + std::string(old_name).size());
    }
    return name;
}

namespace {

// Module name -> the file's tensor, after checking both sides match.
std::map<std::string, const TensorInfo*> match(torch::nn::Module& module, const SafetensorsFile& file,
                                               const KeyRename& rename) {
    const auto& where = file.path();
    std::map<std::string, const TensorInfo*> by_name;
    for (const auto& info : file.tensors()) {
        const std::string name = rename ? rename(info.name) : info.name;
        if (!by_name.emplace(name, &info).second)
            throw InputError(where + ": tensors \"" + escape_control(by_name[name]->name) + "\" and \"" + escape_control(info.name) +
                             "\" are the same weight under two names");
    }
    std::vector<std::string> missing;
    std::size_t found = 0;
    for (const auto& key : module_tensor_keys(module)) {
        const auto it = by_name.find(key.name);
        if (it == by_name.end()) {
            missing.push_back(key.name);
            continue;
        }
        ++found;
        if (it->second->shape != key.shape)
            throw InputError(where + ": tensor \"" + escape_control(it->second->name) + "\" has shape " +
                             format_shape(it->second->shape) + " but the model's config gives " +
                             format_shape(key.shape));
    }
    if (!missing.empty())
        throw InputError(where + ": missing tensor \"" + missing.front() + "\"" +
                         (missing.size() > 1 ? " (and " + std::to_string(missing.size() - 1) + " more)" : "") +
                         " that the model's config needs");
    if (found != by_name.size()) {
        const auto params = module.named_parameters();
        const auto buffers = module.named_buffers();
        std::vector<std::string> unexpected;
        for (const auto& [name, info] : by_name)
            if (!params.contains(name) && !buffers.contains(name)) unexpected.push_back(info->name);
        throw InputError(where + ": unexpected tensor \"" + escape_control(unexpected.front()) + "\"" +
                         (unexpected.size() > 1 ? " (and " + std::to_string(unexpected.size() - 1) + " more)" : "") +
                         " that the model's config does not have");
    }
    return by_name;
}

// float32 data goes straight into the parameter's storage (no second copy of a
// 3.5 GB UNet); other dtypes are converted first.
void read_into(const SafetensorsFile& file, const TensorInfo& info, torch::Tensor& target) {
    check_weight_dtype(file, info);
    if (info.dtype == Dtype::F32 && target.device().is_cpu() && target.scalar_type() == torch::kFloat32 &&
        target.is_contiguous())
        file.read_bytes(info, target.data_ptr());
    else
        target.copy_(load_float_tensor(file, info));
    check_weight_values(file, info, target);
}

}  // namespace

void check_module_against_file(torch::nn::Module& module, const SafetensorsFile& file, const KeyRename& rename) {
    match(module, file, rename);
}

void load_module_weights(torch::nn::Module& module, const SafetensorsFile& file, const KeyRename& rename) {
    const auto by_name = match(module, file, rename);
    torch::NoGradGuard no_grad;
    for (auto& p : module.named_parameters()) read_into(file, *by_name.at(p.key()), p.value());
    for (auto& b : module.named_buffers()) read_into(file, *by_name.at(b.key()), b.value());
}

}  // namespace lssr::sr
