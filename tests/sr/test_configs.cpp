// diffusers config.json -> UNetConfig / VaeConfig, and refusal of settings that
// would make a different network than the one libsr builds.
#include <catch2/catch.hpp>

#include "libio/core/errors.hpp"
#include "libsr/formats/configs.hpp"
#include "support.hpp"

using lssr::InputError;
using lssr::sr::parse_unet_config;
using lssr::sr::parse_vae_config;

namespace {

const char* kMinimalUnet = R"({
  "block_out_channels": [64, 128],
  "down_block_types": ["CrossAttnDownBlock2D", "DownBlock2D"],
  "up_block_types": ["UpBlock2D", "CrossAttnUpBlock2D"],
  "norm_num_groups": 32, "cross_attention_dim": 768, "attention_head_dim": 8)";

void require_refused_unet(const std::string& extra, const std::string& what) {
    try {
        parse_unet_config(std::string(kMinimalUnet) + extra + "}", "cfg.json");
        FAIL("accepted: " << extra);
    } catch (const InputError& e) {
        const std::string message = e.what();
        INFO(message);
        CHECK(message.rfind("cfg.json: ", 0) == 0);
        CHECK(message.find(what) != std::string::npos);
    }
}

}  // namespace

TEST_CASE("UNet config: SD 2.1's attention_head_dim are head counts per block", "[sr][config]") {
    const auto c = lssr::sr::read_unet_config(lssr::test::data_path("sd21-configs/unet/config.json"));
    CHECK(c.block_out_channels == std::vector<int>{320, 640, 1280, 1280});
    CHECK(c.num_attention_heads == std::vector<int>{5, 10, 20, 20});  // 64 channels per head everywhere
    CHECK(c.layers_per_block == std::vector<int>{2, 2, 2, 2});
    CHECK(c.transformer_layers_per_block == std::vector<int>{1, 1, 1, 1});
    CHECK(c.cross_attention_dim == 1024);
    CHECK(c.use_linear_projection);
    CHECK(c.time_embed_dim == 1280);
    CHECK(c.norm_eps == Approx(1e-5));
}

TEST_CASE("UNet config: an int applies to every block, a num_attention_heads key wins", "[sr][config]") {
    auto c = parse_unet_config(std::string(kMinimalUnet) + "}", "cfg.json");
    CHECK(c.num_attention_heads == std::vector<int>{8, 8});
    CHECK(c.layers_per_block == std::vector<int>{2, 2});  // diffusers' default
    CHECK_FALSE(c.use_linear_projection);
    c = parse_unet_config(std::string(kMinimalUnet) + R"(, "num_attention_heads": [2, 4], "layers_per_block": 1})",
                          "cfg.json");
    CHECK(c.num_attention_heads == std::vector<int>{2, 4});
    CHECK(c.layers_per_block == std::vector<int>{1, 1});
}

TEST_CASE("UNet config: other architectures and inconsistent values are refused", "[sr][config]") {
    require_refused_unet(R"(, "class_embed_type": "timestep")", "class_embed_type");
    require_refused_unet(R"(, "addition_embed_type": "text_time")", "addition_embed_type");
    require_refused_unet(R"(, "resnet_time_scale_shift": "scale_shift")", "resnet_time_scale_shift");
    require_refused_unet(R"(, "act_fn": "gelu")", "act_fn");
    require_refused_unet(R"(, "only_cross_attention": [false, true])", "only_cross_attention");
    require_refused_unet(R"(, "attention_head_dim": [3, 4])", "attention heads");
    require_refused_unet(R"(, "attention_head_dim": [8, 8, 8])", "3 values for 2 blocks");
    require_refused_unet(R"(, "norm_num_groups": 48)", "norm groups");
    require_refused_unet(R"(, "cross_attention_dim": [768, 768])", "cross_attention_dim");
    CHECK_THROWS_AS(parse_unet_config("[1]", "cfg.json"), InputError);
    CHECK_THROWS_AS(parse_unet_config(R"({"block_out_channels": [64]})", "cfg.json"), InputError);
    CHECK_NOTHROW(parse_unet_config(std::string(kMinimalUnet) + R"(, "only_cross_attention": [false, false]})",
                                    "cfg.json"));
}

TEST_CASE("VAE config: scaling factor and widths; other block types refused", "[sr][config]") {
    const auto c = lssr::sr::read_vae_config(lssr::test::data_path("sd21-configs/vae/config.json"));
    CHECK(c.block_out_channels == std::vector<int>{128, 256, 512, 512});
    CHECK(c.scaling_factor == Approx(0.18215));
    CHECK(c.latent_channels == 4);
    const std::string blocks = R"("down_block_types": ["DownEncoderBlock2D"], "up_block_types": ["UpDecoderBlock2D"])";
    CHECK(parse_vae_config(R"({"block_out_channels": [64], )" + blocks + "}", "v.json").scaling_factor ==
          Approx(0.18215));  // the default when the config has none
    CHECK(parse_vae_config(R"({"block_out_channels": [64], "scaling_factor": 0.13025, )" + blocks + "}", "v.json")
              .scaling_factor == Approx(0.13025));
    CHECK_THROWS_AS(parse_vae_config(R"({"block_out_channels": [64], "down_block_types": ["DownBlock2D"],
                                         "up_block_types": ["UpDecoderBlock2D"]})",
                                     "v.json"),
                    InputError);
    CHECK_THROWS_AS(parse_vae_config(R"({"block_out_channels": [64, 64], )" + blocks + "}", "v.json"), InputError);
}
