// Where lssr-upscale's model comes from: a named bundle or base model as given,
// else the default model, first found under $LSSR_DATA_DIR, the installed data
// folder, then the source tree's data folder; one error listing every path tried.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>

#include "libio/core/errors.hpp"
#include "libsr/lssr/bundle.hpp"
#include "libsr/lssr/bundle_pack.hpp"
#include "libsr/lssr/model_choice.hpp"
#include "support.hpp"

namespace fs = std::filesystem;
using lssr::sr::find_default_model;
using lssr::sr::ModelChoice;
using lssr::test::TempDir;

namespace {

// A data folder holding models/default.safetensors (contents do not matter here).
std::string data_dir_with_model(const TempDir& tmp, const std::string& name) {
    const auto dir = tmp.path() / name;
    fs::create_directories(dir / "models");
    std::ofstream(dir / "models" / "default.safetensors") << "x";
    return dir.string();
}

std::string model_in(const std::string& dir) { return (fs::path(dir) / "models/default.safetensors").string(); }

// Sets or clears LSSR_DATA_DIR for one scope, restoring what was there.
class DataDirEnv {
public:
    explicit DataDirEnv(const std::optional<std::string>& value) {
        if (const char* old = std::getenv("LSSR_DATA_DIR")) old_ = old;
        if (value) setenv("LSSR_DATA_DIR", value->c_str(), 1);
        else unsetenv("LSSR_DATA_DIR");
    }
    ~DataDirEnv() {
        if (old_) setenv("LSSR_DATA_DIR", old_->c_str(), 1);
        else unsetenv("LSSR_DATA_DIR");
    }

private:
    std::optional<std::string> old_;
};

}  // namespace

TEST_CASE("the default model is the first data folder's that has one", "[sr][model_choice]") {
    TempDir tmp;
    const auto a = data_dir_with_model(tmp, "a"), b = data_dir_with_model(tmp, "b");
    const auto empty = (tmp.path() / "empty").string();
    CHECK(find_default_model({a, b}) == model_in(a));
    CHECK(find_default_model({b, a}) == model_in(b));
    CHECK(find_default_model({empty, b, a}) == model_in(b));
    CHECK_THROWS_MATCHES((find_default_model({empty, empty + "2"})), lssr::OptionError,
                         Catch::Matchers::Message("no model named and no default model found (" + model_in(empty) +
                                                  ", " + model_in(empty + "2") +
                                                  "): use --model BUNDLE or --base-model DIR"));
}

TEST_CASE("resolve: $LSSR_DATA_DIR, then the installed, then the source data folder", "[sr][model_choice]") {
    TempDir tmp;
    const auto env = data_dir_with_model(tmp, "env"), installed = data_dir_with_model(tmp, "installed"),
               source = data_dir_with_model(tmp, "source");
    const auto none = (tmp.path() / "none").string();
    const ModelChoice unnamed;
    {
        DataDirEnv set(env);
        CHECK(unnamed.resolve(installed, source).bundle == model_in(env));
    }
    {
        DataDirEnv set(none);  // a $LSSR_DATA_DIR without a model falls through
        CHECK(unnamed.resolve(installed, source).bundle == model_in(installed));
        CHECK(unnamed.resolve(none, source).bundle == model_in(source));
    }
    DataDirEnv unset(std::nullopt);
    CHECK(unnamed.resolve(installed, source).bundle == model_in(installed));
    CHECK(unnamed.resolve(none, source).bundle == model_in(source));
    CHECK_THROWS_MATCHES(unnamed.resolve(none, none + "2"), lssr::OptionError,
                         Catch::Matchers::Message("no model named and no default model found (" + model_in(none) +
                                                  ", " + model_in(none + "2") +
                                                  "): use --model BUNDLE or --base-model DIR"));
}

TEST_CASE("resolve keeps a named bundle or base model and every other choice", "[sr][model_choice]") {
    TempDir tmp;
    const auto installed = data_dir_with_model(tmp, "installed");
    DataDirEnv unset(std::nullopt);
    ModelChoice bundle;
    bundle.bundle = "mine.safetensors";
    bundle.prompt = "p.safetensors";
    bundle.timestep = 5;
    bundle.lambda_sem = 0.5;
    const auto r = bundle.resolve(installed, installed);
    CHECK(r.bundle == "mine.safetensors");
    CHECK(r.base_model.empty());
    CHECK(r.prompt == "p.safetensors");
    CHECK(r.timestep == 5);
    CHECK(r.lambda_sem == 0.5);

    ModelChoice base;
    base.base_model = "sd-tiny/base";
    base.adapter = "none";
    const auto rb = base.resolve(installed, installed);
    CHECK(rb.bundle.empty());
    CHECK(rb.base_model == "sd-tiny/base");
    CHECK(rb.adapter == "none");
    // No folder is searched when a model is named: even a missing default is fine.
    CHECK_NOTHROW(base.resolve("/nonexistent", "/nonexistent2"));
    // An adapter alone names no model: the default is taken (load_model then refuses the adapter).
    ModelChoice adapter_only;
    adapter_only.adapter = "a.safetensors";
    CHECK(adapter_only.resolve(installed, installed).bundle == model_in(installed));
}

TEST_CASE("unet_parameters counts the base UNet's weights, as the bundle stores them", "[sr][model_choice]") {
    TempDir tmp;
    lssr::sr::PackOptions pack;
    pack.base_dir = lssr::test::data_path("sd-tiny/base");
    pack.output = tmp.file("embedded.safetensors");
    pack.embed_base = true;
    lssr::sr::pack_bundle(pack);
    const auto stored = lssr::sr::summarize_bundle(pack.output).base_unet_params;
    REQUIRE(stored > 0);
    ModelChoice c;
    c.base_model = pack.base_dir;
    auto loaded = lssr::sr::load_model(c);
    CHECK(lssr::sr::unet_parameters(*loaded.model) == stored);
    // sd-tiny is a small model: the thread policy runs it on one thread.
    CHECK(stored < 10'000'000);
}
