#include "libsr/model/weight_init.hpp"

#include <ATen/CPUGeneratorImpl.h>

#include <cmath>

#include "libsr/model/layers.hpp"

namespace lssr::sr {
namespace {

void uniform(torch::Tensor& t, double bound, at::Generator& gen) {
    // Drawn on the CPU so that the same seed gives the same weights on any device.
    auto v = torch::empty(t.sizes(), torch::kFloat32);
    v.uniform_(-bound, bound, gen);
    t.copy_(v);
}

void init_affine(torch::Tensor& weight, torch::Tensor& bias, at::Generator& gen) {
    const int64_t fan_in = weight.numel() / weight.size(0);
    const double bound = 1.0 / std::sqrt(static_cast<double>(fan_in));
    uniform(weight, bound, gen);
    if (bias.defined()) uniform(bias, bound, gen);
}

}  // namespace

void init_weights(torch::nn::Module& module, uint64_t seed) {
    torch::NoGradGuard no_grad;
    auto gen = at::detail::createCPUGenerator(seed);
    for (const auto& item : module.named_modules("", /*include_self=*/true)) {
        auto* m = item.value().get();
        if (auto* c = dynamic_cast<Conv2dImpl*>(m)) {
            init_affine(c->weight, c->bias, gen);
        } else if (auto* l = dynamic_cast<LinearImpl*>(m)) {
            init_affine(l->weight, l->bias, gen);
        } else if (auto* g = dynamic_cast<GroupNormImpl*>(m)) {
            g->weight.fill_(1.0);
            g->bias.zero_();
        } else if (auto* n = dynamic_cast<LayerNormImpl*>(m)) {
            n->weight.fill_(1.0);
            n->bias.zero_();
        }
    }
}

}  // namespace lssr::sr
