#include "libsr/train/train_checkpoint.hpp"

#include <c10/util/string_utils.h>

#include "libio/core/errors.hpp"
#include "libsr/model/safetensors_torch.hpp"
#include "libsr/model/tensor_key.hpp"

namespace lssr::sr {
namespace {

const std::string kWeight = "weight/", kExpAvg = "adam.exp_avg/", kExpAvgSq = "adam.exp_avg_sq/";
const std::string kStepPrefix = "adam.step/", kExtraPrefix = "extra.";

// The key AdamW files a parameter's state under (its TensorImpl address).
std::string state_key(const torch::Tensor& p) { return c10::guts::to_string(p.unsafeGetTensorImpl()); }

int64_t parse_int(const std::string& text, const std::string& where) {
    try {
        size_t used = 0;
        const long long v = std::stoll(text, &used);
        if (used == text.size()) return v;
    } catch (const std::exception&) {
    }
    throw InputError(where + ": not an integer: \"" + text + "\"");
}

std::string meta_value(const SafetensorsFile& file, const std::string& key) {
    const auto it = file.metadata().find(key);
    if (it == file.metadata().end()) throw InputError(file.path() + ": not an lssr-train checkpoint (no " + key + ")");
    return it->second;
}

torch::Tensor stored(const SafetensorsFile& file, const std::string& name, const torch::Tensor& like) {
    const auto* info = file.find(name);
    if (!info) throw InputError(file.path() + ": missing tensor \"" + name + "\"");
    if (info->shape != like.sizes().vec())
        throw InputError(file.path() + ": tensor \"" + name + "\" has shape " + format_shape(info->shape) +
                         ", the run needs " + format_shape(like.sizes().vec()));
    return load_float_tensor(file, *info);
}

}  // namespace

void save_checkpoint(const std::string& path, const CheckpointState& state, const NamedParams& weights,
                     const NamedParams& optimized, torch::optim::AdamW& optimizer) {
    NamedTensors tensors;
    std::map<std::string, std::string> meta{{"format", "lssr-train-checkpoint/1"},
                                            {"step", std::to_string(state.step)}};
    for (const auto& [k, v] : state.extra) meta[kExtraPrefix + k] = v;
    for (const auto& [name, t] : weights) tensors.emplace_back(kWeight + name, t.detach().to(torch::kCPU).contiguous());
    auto& states = optimizer.state();
    for (const auto& [name, p] : optimized) {
        const auto it = states.find(state_key(p));
        if (it == states.end()) continue;  // not stepped yet
        const auto& s = static_cast<const torch::optim::AdamWParamState&>(*it->second);
        tensors.emplace_back(kExpAvg + name, s.exp_avg().detach().to(torch::kCPU).contiguous());
        tensors.emplace_back(kExpAvgSq + name, s.exp_avg_sq().detach().to(torch::kCPU).contiguous());
        meta[kStepPrefix + name] = std::to_string(s.step());
    }
    SafetensorsWriteOptions options;
    options.overwrite = true;
    write_safetensors(path, tensors, meta, options);
}

CheckpointState read_checkpoint_state(const std::string& path) {
    SafetensorsFile file(path);
    CheckpointState state;
    state.step = parse_int(meta_value(file, "step"), path + " (step)");
    for (const auto& [k, v] : file.metadata())
        if (k.rfind(kExtraPrefix, 0) == 0) state.extra[k.substr(kExtraPrefix.size())] = v;
    return state;
}

void load_checkpoint_weights(const std::string& path, const NamedParams& weights) {
    SafetensorsFile file(path);
    torch::NoGradGuard no_grad;
    for (const auto& [name, t] : weights) {
        auto target = t;
        target.copy_(stored(file, kWeight + name, t));
    }
}

void load_checkpoint_optimizer(const std::string& path, const NamedParams& optimized,
                               torch::optim::AdamW& optimizer) {
    SafetensorsFile file(path);
    auto& states = optimizer.state();
    for (const auto& [name, p] : optimized) {
        const auto it = file.metadata().find(kStepPrefix + name);
        if (it == file.metadata().end()) continue;
        auto s = std::make_unique<torch::optim::AdamWParamState>();
        s->step(parse_int(it->second, path + " (" + kStepPrefix + name + ")"));
        s->exp_avg(stored(file, kExpAvg + name, p).to(p.device()));
        s->exp_avg_sq(stored(file, kExpAvgSq + name, p).to(p.device()));
        states[state_key(p)] = std::move(s);
    }
}

}  // namespace lssr::sr
