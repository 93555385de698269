// TileSpill: tiles kept between stripes come back exactly, once, and the
// file never shows in the folder.
#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>

#include "libio/core/errors.hpp"
#include "libupscale/tile_spill.hpp"
#include "support.hpp"

using namespace lssr;
using lssr::test::TempDir;

TEST_CASE("a spilled tile comes back bit for bit, once", "[upscale][stripes]") {
    TempDir tmp;
    sr::TileSpill spill(tmp.path().string());
    io::RasterBlock a(6, 9, 12), b(6, 6, 3);
    for (size_t i = 0; i < a.data.size(); ++i) a.data[i] = 0.1f * static_cast<float>(i) - 3.0f;
    for (size_t i = 0; i < b.data.size(); ++i) b.data[i] = std::sqrt(static_cast<float>(i));
    spill.put(4, 7, a, false);
    spill.put(4, 8, io::RasterBlock(6, 9, 12, NAN), true);
    spill.put(5, 7, b, false);
    CHECK(std::filesystem::is_empty(tmp.path()));  // unlinked at once

    CHECK_FALSE(spill.take(3, 7).has_value());
    const auto back_b = spill.take(5, 7);  // in any order
    REQUIRE(back_b.has_value());
    CHECK_FALSE(back_b->empty);
    CHECK(back_b->block.width == 6);
    CHECK(back_b->block.height == 3);
    CHECK(back_b->block.data == b.data);
    const auto back_a = spill.take(4, 7);
    REQUIRE(back_a.has_value());
    CHECK(back_a->block.data == a.data);
    const auto empty = spill.take(4, 8);
    REQUIRE(empty.has_value());
    CHECK(empty->empty);
    CHECK(empty->block.width == 9);
    CHECK(std::isnan(empty->block.at(5, 11, 8)));
    CHECK_FALSE(spill.take(4, 7).has_value());  // taken once
}

TEST_CASE("a spill in a folder that does not exist is an output error naming it", "[upscale][stripes]") {
    TempDir tmp;
    const auto missing = tmp.file("no/such/folder");
    try {
        sr::TileSpill spill(missing);
        FAIL("no error");
    } catch (const OutputError& e) {
        CHECK(std::string(e.what()).find(missing) != std::string::npos);
    }
}
