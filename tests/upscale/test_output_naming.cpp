// Where lssr-upscale writes: -o for one input, -O DIR/<scene>_SR<ext> for many,
// the quicklook prefix per scene with -O.
#include <catch2/catch.hpp>

#include "libio/core/errors.hpp"
#include "libupscale/output_naming.hpp"

using lssr::OptionError;
using lssr::sr::OutputNaming;

TEST_CASE("output naming takes exactly one of -o and -O, and -o only for one input", "[upscale][naming]") {
    CHECK_THROWS_MATCHES(OutputNaming{}.check(), OptionError,
                         Catch::Matchers::Message("give either -o FILE (one input) or -O DIR"));
    CHECK_THROWS_AS((OutputNaming{"a.tif", "out"}.check()), OptionError);
    CHECK_NOTHROW((OutputNaming{"a.tif", ""}.check()));
    CHECK_NOTHROW((OutputNaming{"", "out"}.check()));

    CHECK_THROWS_MATCHES((OutputNaming{"a.tif", ""}.check_input_count(2)), OptionError,
                         Catch::Matchers::Message("-o takes one input; use -O DIR for many"));
    CHECK_THROWS_AS((OutputNaming{"a.tif", ""}.check_input_count(0)), OptionError);
    CHECK_NOTHROW((OutputNaming{"a.tif", ""}.check_input_count(1)));
    CHECK_NOTHROW((OutputNaming{"", "out"}.check_input_count(3)));
}

TEST_CASE("batch mode names each output <scene>_SR with the driver's extension", "[upscale][naming]") {
    const OutputNaming batch{"", "out/sr"};
    CHECK(batch.output_for("HLS.L30.T15TVG.2021179T165432.v2.0", "GTiff") ==
          "out/sr/HLS.L30.T15TVG.2021179T165432.v2.0_SR.tif");
    CHECK(batch.output_for("scene0", "COG") == "out/sr/scene0_SR.tif");
    CHECK(batch.output_for("scene0", "PNG") == "out/sr/scene0_SR.png");
    CHECK(batch.output_for("scene0", "NoSuchDriver") == "out/sr/scene0_SR.tif");
    // -o is the output whatever the scene is called.
    CHECK((OutputNaming{"x/my.tif", ""}.output_for("scene0", "PNG")) == "x/my.tif");
}

TEST_CASE("quicklook pictures take the output's name after the prefix in batch mode only", "[upscale][naming]") {
    CHECK((OutputNaming{"a.tif", ""}.quicklook_prefix("pics/q", "a.tif")) == "pics/q");
    CHECK((OutputNaming{"", "out"}.quicklook_prefix("pics/q", "out/scene0_SR.tif")) == "pics/q_scene0_SR");
    CHECK((OutputNaming{"", "out"}.quicklook_prefix("", "out/scene0_SR.tif")).empty());
}
