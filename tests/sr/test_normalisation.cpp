// Tile-band input normalisation (model_input.hpp): the model sees each tile in
// its own units, so a brighter, darker or hazier scene gets the same detail,
// and bundles record which input space their base was trained in.
#include <catch2/catch.hpp>
#include <torch/torch.h>

#include <filesystem>
#include <fstream>

#include "libio/core/errors.hpp"
#include "libsr/model/base_model.hpp"
#include "libsr/lssr/bundle.hpp"
#include "libsr/formats/configs.hpp"
#include "libsr/lssr/model_input.hpp"
#include "libsr/lssr/sr_model.hpp"
#include "support.hpp"

namespace fs = std::filesystem;
using namespace lssr::sr;
using lssr::test::data_path;
using lssr::test::TempDir;

namespace {

// sd-tiny's base with its VAE config declaring the given input space.
std::string tiny_base_with(const TempDir& tmp, const std::string& normalisation) {
    const fs::path dir = tmp.file("base-" + normalisation);
    fs::copy(data_path("sd-tiny/base"), dir, fs::copy_options::recursive);
    const auto config = dir / "vae" / "config.json";
    auto text = lssr::test::read_text(config);
    text.insert(text.find('{') + 1, "\n  \"lssr_normalisation\": \"" + normalisation + "\",");
    fs::remove(config);
    std::ofstream(config) << text;
    return dir.string();
}

SrModel model_on(const std::string& base_dir) {
    auto base = load_base_model(base_dir);
    const int64_t width = base.unet->config().cross_attention_dim;
    return SrModel(std::move(base), zero_prompt_embedding(width), 1);
}

// Bright enough that an untrained network's detail stays above zero reflectance.
torch::Tensor lr_tile() {
    torch::manual_seed(11);
    return torch::rand({1, 6, 16, 16}) * 0.08 + 0.4;
}

// out(gain * lr + offset) against gain * out(lr) + offset, band by band.
double equivariance_error(SrModel& model, const torch::Tensor& lr) {
    torch::NoGradGuard no_grad;
    const auto gain = torch::tensor({1.8, 0.6, 1.3, 0.7, 1.5, 1.1}).view({1, 6, 1, 1});
    const auto offset = torch::tensor({0.08, 0.05, 0.02, -0.03, 0.0, 0.04}).view({1, 6, 1, 1});
    const auto plain = model.forward(lr);
    const auto shifted = model.forward(lr * gain + offset);
    return (shifted - (plain * gain + offset)).abs().max().item<double>();
}

}  // namespace

TEST_CASE("tile-band models give a brighter, darker or hazier tile the same detail", "[sr][normalisation]") {
    TempDir tmp;
    auto tile_band = model_on(tiny_base_with(tmp, "tile-band"));
    REQUIRE(input_normalisation(tile_band.base()) == InputNormalisation::TileBand);
    CHECK(equivariance_error(tile_band, lr_tile()) < 1e-4);
    // SPEC §5's fixed path has no such property: the same networks move with the input's level.
    auto fixed = model_on(data_path("sd-tiny/base"));
    REQUIRE(input_normalisation(fixed.base()) == InputNormalisation::Fixed);
    CHECK(equivariance_error(fixed, lr_tile()) > 1e-2);
}

TEST_CASE("tile-band output keeps each tile's band means near the input's", "[sr][normalisation]") {
    TempDir tmp;
    auto model = model_on(tiny_base_with(tmp, "tile-band"));
    torch::NoGradGuard no_grad;
    const auto lr = lr_tile();
    const auto out = model.forward(lr);
    REQUIRE(out.sizes() == torch::IntArrayRef({1, 6, 48, 48}));
    // The spread of one tile bounds how far an untrained network can move it.
    const auto mean_in = lr.mean({2, 3}), mean_out = out.mean({2, 3});
    const auto spread = lr.flatten(2).std(2, false);
    CHECK(((mean_out - mean_in).abs() / spread).max().item<double>() < 12.0);
    CHECK(torch::isfinite(out).all().item<bool>());
}

TEST_CASE("branch scaling: fixed is 2*rho-1, tile-band maps each band's tile mean to 0", "[sr][normalisation]") {
    const auto lr = lr_tile();
    const auto fixed = branch_scaling(lr, InputNormalisation::Fixed);
    const auto hr = upsample_x3_bicubic(lr);
    CHECK((normalise_branches(hr, fixed) - to_branches(hr)).abs().max().item<double>() < 1e-6);
    const auto tile = branch_scaling(lr, InputNormalisation::TileBand);
    const auto x = normalise_branches(lr, tile);
    CHECK(x.mean({2, 3}).abs().max().item<double>() < 1e-5);
    CHECK((x.flatten(2).std(2, false) - 1.0 / 3.0).abs().max().item<double>() < 1e-4);
    CHECK((denormalise_branches(x, tile) - lr).abs().max().item<double>() < 1e-6);
    // A flat band is not stretched: its spread has a floor.
    auto flat = lr.clone();
    flat.select(1, 0).fill_(0.05);
    const auto s = branch_scaling(flat, InputNormalisation::TileBand);
    CHECK(s.scale[0][2].item<double>() == Approx(0.015));
}

TEST_CASE("bundles record the input space and refuse a base trained in another", "[sr][normalisation][bundle]") {
    TempDir tmp;
    const auto tile_dir = tiny_base_with(tmp, "tile-band");
    auto model = model_on(tile_dir);
    const auto lr = lr_tile();
    torch::Tensor want;
    {
        torch::NoGradGuard no_grad;
        want = model.forward(lr);
    }
    const auto embedded = tmp.file("embedded.safetensors"), external = tmp.file("external.safetensors");
    BundleWriteOptions options;
    options.base_dir = tile_dir;
    options.embed_base = true;
    write_bundle(embedded, model, options);
    options.embed_base = false;
    write_bundle(external, model, options);
    const auto meta = summarize_bundle(embedded).metadata;
    CHECK(meta.at("normalisation").rfind("tile-band:", 0) == 0);
    for (const auto& path : {embedded, external}) {
        auto loaded = load_bundle(path);
        torch::NoGradGuard no_grad;
        CHECK((loaded.forward(lr) - want).abs().max().item<double>() < 1e-6);
    }
    // The external bundle on a fixed base: refused by name, not run in the wrong space.
    try {
        load_bundle(external, data_path("sd-tiny/base"));
        FAIL("a tile-band bundle ran on a fixed base");
    } catch (const lssr::InputError& e) {
        CHECK_THAT(e.what(), Catch::Contains("tile-band") && Catch::Contains("fixed"));
    }
}

TEST_CASE("a VAE config with an unknown lssr_normalisation is refused by name", "[sr][normalisation]") {
    CHECK_THROWS_WITH(parse_vae_config(R"({"block_out_channels": [8], "down_block_types": ["DownEncoderBlock2D"],
        "up_block_types": ["UpDecoderBlock2D"], "norm_num_groups": 4, "lssr_normalisation": "per-scene"})",
                                       "vae.json"),
                      Catch::Contains("vae.json") && Catch::Contains("lssr_normalisation"));
}
