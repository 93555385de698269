#include "libsr/lssr/lora.hpp"

#include <cmath>

#include "libio/core/errors.hpp"

namespace lssr::sr {
namespace {

const std::vector<std::string> kPatterns = {"to_k",     "to_q",    "to_v",          "to_out.0", "conv",
                                            "conv1",    "conv2",   "conv_in",       "conv_shortcut",
                                            "conv_out", "proj_out", "proj_in",      "ff.net.2", "ff.net.0.proj"};

bool contains(const std::string& s, const char* part) { return s.find(part) != std::string::npos; }

// Calls fn(name, conv-or-null, linear-or-null) for every Conv2d/Linear of the module tree.
template <typename Fn>
void for_each_layer(torch::nn::Module& root, Fn fn) {
    for (const auto& item : root.named_modules()) {
        if (auto conv = std::dynamic_pointer_cast<Conv2dImpl>(item.value())) fn(item.key(), conv.get(), nullptr);
        else if (auto lin = std::dynamic_pointer_cast<LinearImpl>(item.value())) fn(item.key(), nullptr, lin.get());
    }
}

std::vector<LoraDelta>* lora_list(torch::nn::Module& root, const std::string& module, bool& conv,
                                  torch::Tensor& weight, int64_t& stride_padding_kernel) {
    std::vector<LoraDelta>* out = nullptr;
    for_each_layer(root, [&](const std::string& name, Conv2dImpl* c, LinearImpl* l) {
        if (name != module) return;
        conv = c != nullptr;
        out = c ? &c->lora : &l->lora;
        weight = c ? c->weight : l->weight;
        stride_padding_kernel = c ? c->weight.size(2) : 0;
    });
    return out;
}

}  // namespace

const char* lora_group_name(LoraGroup group) {
    switch (group) {
        case LoraGroup::Encoder: return "encoder";
        case LoraGroup::Decoder: return "decoder";
        default: return "others";
    }
}

std::string lora_adapter_name(LoraGroup group, const std::string& branch) {
    return std::string("default_") + lora_group_name(group) + "_" + branch;
}

std::vector<LoraTarget> pisa_lora_targets(torch::nn::Module& unet) {
    std::vector<LoraTarget> targets;
    for (const auto& p : unet.named_parameters()) {
        const std::string& n = p.key();
        if (contains(n, "bias") || contains(n, "norm")) continue;
        for (const auto& pattern : kPatterns) {
            if (!contains(n, pattern.c_str())) continue;
            LoraTarget t;
            t.module = n.substr(0, n.size() - std::string(".weight").size());
            t.group = contains(n, "down_blocks") || contains(n, "conv_in")   ? LoraGroup::Encoder
                      : contains(n, "up_blocks") || contains(n, "conv_out") ? LoraGroup::Decoder
                                                                           : LoraGroup::Others;
            t.conv = p.value().dim() == 4;
            targets.push_back(t);
            break;
        }
    }
    return targets;
}

void add_lora_branch(torch::nn::Module& unet, const std::string& branch, const LoraSpec& spec) {
    if (spec.rank < 1) throw OptionError("LoRA rank must be at least 1");
    for (const auto& t : pisa_lora_targets(unet)) {
        bool conv = false;
        torch::Tensor w;
        int64_t k = 0;
        auto* list = lora_list(unet, t.module, conv, w, k);
        const auto opts = w.options();
        LoraDelta d;
        d.adapter = lora_adapter_name(t.group, branch);
        d.scaling = spec.alpha / spec.rank;
        const int64_t out = w.size(0), in = w.size(1);
        d.A = conv ? torch::empty({spec.rank, in, k, k}, opts) : torch::empty({spec.rank, in}, opts);
        d.B = conv ? torch::zeros({out, spec.rank, 1, 1}, opts) : torch::zeros({out, spec.rank}, opts);
        torch::NoGradGuard no_grad;
        if (spec.init == LoraInit::Gaussian) d.A.normal_(0.0, 1.0 / spec.rank);
        else torch::nn::init::kaiming_uniform_(d.A, std::sqrt(5.0));
        list->push_back(std::move(d));
    }
}

NamedTensors lora_state(torch::nn::Module& unet) {
    NamedTensors out;
    for_each_layer(unet, [&](const std::string& name, Conv2dImpl* c, LinearImpl* l) {
        for (const auto& d : c ? c->lora : l->lora) {
            out.emplace_back(name + ".lora_A." + d.adapter + ".weight", d.A);
            out.emplace_back(name + ".lora_B." + d.adapter + ".weight", d.B);
        }
    });
    return out;
}

void load_lora_state(torch::nn::Module& unet, const NamedTensors& tensors, double alpha, const std::string& where) {
    std::map<std::string, torch::Tensor> by_name(tensors.begin(), tensors.end());
    for (const auto& [name, A] : by_name) {
        const auto pos = name.find(".lora_A.");
        if (pos == std::string::npos) continue;
        const std::string module = name.substr(0, pos);
        const std::string rest = name.substr(pos + 8);  // "<adapter>.weight"
        if (rest.size() < 8 || rest.substr(rest.size() - 7) != ".weight")
            throw InputError(where + ": " + name + ": not a LoRA weight name");
        const std::string adapter = rest.substr(0, rest.size() - 7);
        const auto b_name = module + ".lora_B." + rest;
        auto it = by_name.find(b_name);
        if (it == by_name.end()) throw InputError(where + ": " + name + " has no matching " + b_name);
        bool conv = false;
        torch::Tensor w;
        int64_t k = 0;
        auto* list = lora_list(unet, module, conv, w, k);
        if (!list) throw InputError(where + ": " + name + ": the UNet has no layer " + module);
        const auto& B = it->second;
        const int64_t r = A.size(0);
        const bool ok = conv ? A.dim() == 4 && A.size(1) == w.size(1) && A.size(2) == k && A.size(3) == k &&
                                   B.dim() == 4 && B.size(0) == w.size(0) && B.size(1) == r && B.size(2) == 1 && B.size(3) == 1
                             : A.dim() == 2 && A.size(1) == w.size(1) && B.dim() == 2 && B.size(0) == w.size(0) &&
                                   B.size(1) == r;
        if (!ok || r < 1) throw InputError(where + ": " + name + ": shape does not fit layer " + module);
        LoraDelta d;
        d.adapter = adapter;
        d.A = A.to(w.options());
        d.B = B.to(w.options());
        d.scaling = alpha / static_cast<double>(r);
        list->push_back(std::move(d));
    }
    for (const auto& [name, t] : by_name)
        if (name.find(".lora_B.") != std::string::npos &&
            !by_name.count(name.substr(0, name.find(".lora_B.")) + ".lora_A." + name.substr(name.find(".lora_B.") + 8)))
            throw InputError(where + ": " + name + " has no matching lora_A");
}

void set_lora_branch_active(torch::nn::Module& unet, const std::string& branch, bool active) {
    const std::string suffix = "_" + branch;
    for_each_layer(unet, [&](const std::string&, Conv2dImpl* c, LinearImpl* l) {
        for (auto& d : c ? c->lora : l->lora)
            if (d.adapter.size() >= suffix.size() && d.adapter.compare(d.adapter.size() - suffix.size(), suffix.size(), suffix) == 0)
                d.active = active;
    });
}

void lora_to(torch::nn::Module& unet, const torch::Device& device, torch::ScalarType dtype) {
    for_each_layer(unet, [&](const std::string&, Conv2dImpl* c, LinearImpl* l) {
        for (auto& d : c ? c->lora : l->lora) d.A = d.A.to(device, dtype), d.B = d.B.to(device, dtype);
    });
}

bool has_lora(torch::nn::Module& unet) {
    bool any = false;
    for_each_layer(unet, [&](const std::string&, Conv2dImpl* c, LinearImpl* l) {
        any = any || !(c ? c->lora : l->lora).empty();
    });
    return any;
}

torch::Tensor lora_delta_weight(const LoraDelta& d, bool conv) {
    if (!conv) return d.scaling * torch::matmul(d.B, d.A);
    // B (1x1) after A (k x k): delta[o,i,:,:] = sum_r B[o,r] A[r,i,:,:].
    const auto a = d.A.flatten(1);                       // [r, in*k*k]
    const auto delta = torch::matmul(d.B.flatten(1), a);  // [out, in*k*k]
    return d.scaling * delta.view({d.B.size(0), d.A.size(1), d.A.size(2), d.A.size(3)});
}

void merge_lora(torch::nn::Module& unet) {
    torch::NoGradGuard no_grad;
    for_each_layer(unet, [&](const std::string&, Conv2dImpl* c, LinearImpl* l) {
        auto& list = c ? c->lora : l->lora;
        auto& weight = c ? c->weight : l->weight;
        for (const auto& d : list)
            if (d.active) weight.add_(lora_delta_weight(d, c != nullptr));
        list.clear();
    });
}

}  // namespace lssr::sr
