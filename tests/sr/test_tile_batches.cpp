// A tile's output does not depend on the batch it came in (--batch), so that
// a scene gives the same file whatever the batch size.
#include <catch2/catch.hpp>
#include <torch/torch.h>

#include "libsr/model/base_model.hpp"
#include "libsr/lssr/sr_model.hpp"
#include "libsr/lssr/sr_tile_model.hpp"
#include "support.hpp"

using namespace lssr;

TEST_CASE("a tile in a batch gets the output it gets alone", "[sr][upscale][batch]") {
    auto base = sr::load_base_model(test::data_path("sd-tiny/base"));
    const int64_t width = base.unet->config().cross_attention_dim;
    sr::SrModel model(std::move(base), sr::zero_prompt_embedding(width), 1);
    std::vector<sr::TileInput> tiles;
    torch::manual_seed(5);
    for (int i = 0; i < 5; ++i) {
        io::RasterBlock lr(6, 16, 16);
        const auto values = torch::rand({6, 16, 16}) * 0.4 + 0.05;
        std::copy_n(values.data_ptr<float>(), lr.data.size(), lr.data.data());
        const io::Window w{16 * i, 0, 16, 16};
        tiles.push_back({lr, w, io::Window{48 * i, 0, 48, 48},
                         test::utm_grid(16, 16, 30.0, 500010.0 + 480.0 * i, 4600020.0).refined(3)});
    }
    sr::SrTileModel tile_model(model);
    const auto a = tile_model.upscale(tiles);
    REQUIRE(a.size() == tiles.size());
    for (size_t i = 0; i < a.size(); ++i) {
        INFO("tile " << i);
        const auto alone = tile_model.upscale({tiles[i]});
        REQUIRE(alone.size() == 1);
        CHECK(a[i].width == 48);
        CHECK(a[i].data == alone[0].data);
    }
    // Different tiles give different outputs (the comparison above is not of empty blocks).
    CHECK(a[0].data != a[1].data);
}
