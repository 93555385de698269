#include "libsr/model/unet_blocks.hpp"

namespace lssr::sr {

namespace {

ResnetSpec resnet_spec(const UNetBlockSpec& s, int64_t in, int64_t out) {
    ResnetSpec r;
    r.in_channels = in;
    r.out_channels = out;
    r.temb_channels = s.temb_channels;
    r.groups = s.groups;
    r.eps = s.eps;
    r.output_scale_factor = s.output_scale_factor;
    return r;
}

Transformer2DModel transformer(const UNetBlockSpec& s, int64_t channels, const ParamOptions& options) {
    TransformerSpec t = s.transformer;
    t.channels = channels;
    t.groups = s.groups;
    return Transformer2DModel(t, options);
}

}  // namespace

UNetDownBlockImpl::UNetDownBlockImpl(const UNetBlockSpec& s, const ParamOptions& options) {
    if (s.cross_attention) attentions = register_module("attentions", torch::nn::ModuleList());
    resnets = register_module("resnets", torch::nn::ModuleList());
    for (int64_t i = 0; i < s.layers; ++i) {
        resnets->push_back(ResnetBlock2D(resnet_spec(s, i == 0 ? s.in_channels : s.out_channels, s.out_channels), options));
        if (s.cross_attention) attentions->push_back(transformer(s, s.out_channels, options));
    }
    if (s.resample) {
        downsamplers = register_module("downsamplers", torch::nn::ModuleList());
        downsamplers->push_back(Downsample2D(s.out_channels, s.downsample_padding, options));
    }
}

torch::Tensor UNetDownBlockImpl::forward(torch::Tensor x, const torch::Tensor& temb, const torch::Tensor& context,
                                         std::vector<torch::Tensor>& skips) {
    for (std::size_t i = 0; i < resnets->size(); ++i) {
        x = resnets[i]->as<ResnetBlock2DImpl>()->forward(x, temb);
        if (attentions) x = attentions[i]->as<Transformer2DModelImpl>()->forward(x, context);
        skips.push_back(x);
    }
    if (downsamplers) {
        x = downsamplers[0]->as<Downsample2DImpl>()->forward(x);
        skips.push_back(x);
    }
    return x;
}

UNetMidBlockImpl::UNetMidBlockImpl(const UNetBlockSpec& s, const ParamOptions& options) {
    attentions = register_module("attentions", torch::nn::ModuleList());
    resnets = register_module("resnets", torch::nn::ModuleList());
    resnets->push_back(ResnetBlock2D(resnet_spec(s, s.in_channels, s.in_channels), options));
    for (int64_t i = 0; i < s.layers; ++i) {
        attentions->push_back(transformer(s, s.in_channels, options));
        resnets->push_back(ResnetBlock2D(resnet_spec(s, s.in_channels, s.in_channels), options));
    }
}

torch::Tensor UNetMidBlockImpl::forward(torch::Tensor x, const torch::Tensor& temb, const torch::Tensor& context) {
    x = resnets[0]->as<ResnetBlock2DImpl>()->forward(x, temb);
    for (std::size_t i = 0; i < attentions->size(); ++i) {
        x = attentions[i]->as<Transformer2DModelImpl>()->forward(x, context);
        x = resnets[i + 1]->as<ResnetBlock2DImpl>()->forward(x, temb);
    }
    return x;
}

UNetUpBlockImpl::UNetUpBlockImpl(const UNetBlockSpec& s, const ParamOptions& options) {
    if (s.cross_attention) attentions = register_module("attentions", torch::nn::ModuleList());
    resnets = register_module("resnets", torch::nn::ModuleList());
    for (int64_t i = 0; i < s.layers; ++i) {
        // Skip channels: the block's own width, except the last skip which
        // comes from the level below (`in_channels`).
        const int64_t skip = i == s.layers - 1 ? s.in_channels : s.out_channels;
        const int64_t in = i == 0 ? s.prev_output_channels : s.out_channels;
        resnets->push_back(ResnetBlock2D(resnet_spec(s, in + skip, s.out_channels), options));
        if (s.cross_attention) attentions->push_back(transformer(s, s.out_channels, options));
    }
    if (s.resample) {
        upsamplers = register_module("upsamplers", torch::nn::ModuleList());
        upsamplers->push_back(Upsample2D(s.out_channels, options));
    }
}

torch::Tensor UNetUpBlockImpl::forward(torch::Tensor x, const torch::Tensor& temb, const torch::Tensor& context,
                                       std::vector<torch::Tensor>& skips, const std::vector<int64_t>& upsample_size) {
    for (std::size_t i = 0; i < resnets->size(); ++i) {
        x = torch::cat({x, skips.back()}, 1);
        skips.pop_back();
        x = resnets[i]->as<ResnetBlock2DImpl>()->forward(x, temb);
        if (attentions) x = attentions[i]->as<Transformer2DModelImpl>()->forward(x, context);
    }
    if (upsamplers) {
        auto* up = upsamplers[0]->as<Upsample2DImpl>();
        x = upsample_size.empty() ? up->forward(x) : up->forward(x, upsample_size);
    }
    return x;
}

}  // namespace lssr::sr
