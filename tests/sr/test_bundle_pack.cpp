// pack_bundle, the library call behind `lssr-model pack`: the same bytes as the
// tool, fresh adapters on both branches, the side modules asked for, the seed's
// initialisation and its provenance; bad options refused before anything is read.
#include <catch2/catch.hpp>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "libio/core/errors.hpp"
#include "libsr/lssr/bundle.hpp"
#include "libsr/lssr/bundle_pack.hpp"
#include "support.hpp"

namespace fs = std::filesystem;
using lssr::sr::pack_bundle;
using lssr::sr::PackOptions;
using lssr::test::data_path;
using lssr::test::read_text;
using lssr::test::run_tool;
using lssr::test::TempDir;

namespace {

PackOptions options_for(const std::string& output) {
    PackOptions o;
    o.base_dir = data_path("sd-tiny/base");
    o.output = output;
    o.tool = "lssr-model test";
    return o;
}

// A bundle's bytes with its creation time (provenance "created", to the second) blanked.
std::string bytes_of(const std::string& bundle) {
    auto text = read_text(bundle);
    const auto at = text.find("created\\\":\\\"");
    if (at != std::string::npos) text.replace(at, 32, 32, '-');
    return text;
}

nlohmann::json provenance(const std::string& bundle) {
    return nlohmann::json::parse(lssr::sr::summarize_bundle(bundle).metadata.at("provenance"));
}

}  // namespace

TEST_CASE("pack_bundle writes the bytes lssr-model pack writes", "[sr][bundle][pack]") {
    TempDir tmp;
    const auto by_tool = tmp.file("tool.safetensors"), by_call = tmp.file("call.safetensors");
    const auto r = run_tool("lssr-model", {"pack", data_path("sd-tiny/base"), "-o", by_tool, "--knowledge",
                                           "--rank", "2", "--alpha", "3", "--seed", "5", "-q"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    auto o = options_for(by_call);
    o.knowledge = true;
    o.rank = 2;
    o.alpha = 3.0;
    o.seed = 5;
    o.tool = provenance(by_tool).at("tool").get<std::string>();
    pack_bundle(o);
    CHECK(bytes_of(by_call) == bytes_of(by_tool));
}

TEST_CASE("pack_bundle: both LoRA branches, the modules asked for, the seed and its provenance", "[sr][bundle][pack]") {
    TempDir tmp;
    auto o = options_for(tmp.file("a.safetensors"));
    o.sar = true;
    o.seed = 3;
    pack_bundle(o);
    const auto a = lssr::sr::summarize_bundle(o.output);
    bool pix = false, sem = false;
    for (const auto& [name, n] : a.lora_params) {
        pix |= name.find("pix") != std::string::npos && n > 0;
        sem |= name.find("sem") != std::string::npos && n > 0;
    }
    CHECK(pix);
    CHECK(sem);
    CHECK(a.sar_params > 0);
    CHECK(a.knowledge_params == 0);
    const auto p = provenance(o.output);
    CHECK(p.at("tool") == "lssr-model test");
    CHECK(p.at("recipe") == "lssr-model pack (untrained: LoRA B = 0)");
    CHECK(p.at("seed") == "3");

    // The same seed makes the same bundle; another seed other LoRA A matrices.
    const auto first = bytes_of(o.output);
    o.output = tmp.file("b.safetensors");
    pack_bundle(o);
    CHECK(bytes_of(o.output) == first);
    o.output = tmp.file("c.safetensors");
    o.seed = 4;
    pack_bundle(o);
    CHECK(bytes_of(o.output).size() == first.size());
    CHECK(bytes_of(o.output) != first);
}

TEST_CASE("pack_bundle refuses bad options and keeps an existing bundle unless overwrite", "[sr][bundle][pack]") {
    TempDir tmp;
    auto o = options_for(tmp.file("a.safetensors"));
    o.alpha = 0;
    CHECK_THROWS_MATCHES(pack_bundle(o), lssr::OptionError,
                         Catch::Matchers::Message("--alpha must be a number in (0, 10000]"));
    o.alpha = 2e4;
    CHECK_THROWS_AS(pack_bundle(o), lssr::OptionError);
    o.alpha = 8;
    o.rank = 0;
    CHECK_THROWS_AS(pack_bundle(o), lssr::OptionError);
    CHECK_FALSE(fs::exists(o.output));
    o.rank = 4;
    o.prompt = o.output;  // the output would replace an input
    CHECK_THROWS_AS(pack_bundle(o), lssr::OptionError);
    o.prompt.clear();

    pack_bundle(o);
    const auto before = read_text(o.output);
    o.seed = 9;
    CHECK_THROWS_AS(pack_bundle(o), lssr::OutputError);
    CHECK(read_text(o.output) == before);
    o.overwrite = true;
    pack_bundle(o);
    CHECK(read_text(o.output) != before);
}
