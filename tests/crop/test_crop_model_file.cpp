// The model file: a round trip keeps predictions identical; anything truncated,
// malformed or inconsistent is refused with a message naming the file.
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

#include "crop_fixtures.hpp"
#include "libcrop/fit.hpp"
#include "libcrop/model.hpp"
#include "libio/gdal/text_file.hpp"
#include "libio/core/errors.hpp"
#include "support.hpp"

using namespace lssr;

namespace {

crop::CropModel small_model(test::TempDir& dir) {
    const io::Grid grid = test::utm_grid(45, 45, 10.0);
    crop::test::write_image(dir.file("img_20210626.tif"), grid, {});
    crop::test::write_labels(dir.file("labels.tif"), grid);
    crop::FitOptions options;
    options.images = {dir.file("img_20210626.tif")};
    options.labels = dir.file("labels.tif");
    options.rounds = 5;
    options.samples_per_class = 200;
    options.threads = 1;
    crop::FitReport report;
    return crop::fit_model(options, {}, report);
}

void expect_invalid(const std::string& path, const std::string& why) {
    try {
        crop::load_model(path);
        FAIL("expected an InputError");
    } catch (const InputError& e) {
        const std::string message = e.what();
        CHECK(message.rfind(path + ": not a valid cropmap model (", 0) == 0);
        CHECK(message.find(why) != std::string::npos);
    }
}

}  // namespace

TEST_CASE("a saved model loads back with its metadata and predicts the same", "[crop][model]") {
    test::TempDir dir;
    crop::CropModel model = small_model(dir);
    crop::save_model(model, dir.file("m.json"), false);
    crop::CropModel loaded = crop::load_model(dir.file("m.json"));
    CHECK(loaded.classes.size() == 3);
    CHECK(loaded.classes.cdl_of(2) == 5);
    CHECK(loaded.features == model.features);
    CHECK(loaded.images.at(0).date == "2021-06-26");
    CHECK(loaded.params.at("max_depth") == "20");
    CHECK(loaded.params.at("objective") == "multi:softprob");
    CHECK(loaded.training.contains("validation_metrics"));

    const std::vector<float> rows{0.04f, 0.07f, 0.05f, 0.42f, 0.24f, 0.12f, 0.787f,
                                  0.08f, 0.10f, 0.12f, 0.22f, 0.28f, 0.22f, 0.294f};
    crop::xgb::DMatrix matrix(rows.data(), 2, 7);
    CHECK(loaded.booster.predict(matrix) == model.booster.predict(matrix));
    // An existing model is not replaced without overwrite.
    CHECK_THROWS_AS(crop::save_model(model, dir.file("m.json"), false), OutputError);
}

TEST_CASE("truncated, empty or foreign model files are refused", "[crop][model]") {
    test::TempDir dir;
    crop::CropModel model = small_model(dir);
    crop::save_model(model, dir.file("m.json"), false);
    const std::string text = io::read_text_file(dir.file("m.json"));

    io::write_text_file(dir.file("half.json"), text.substr(0, text.size() / 2), false);
    expect_invalid(dir.file("half.json"), "truncated");
    io::write_text_file(dir.file("empty.json"), "", false);
    expect_invalid(dir.file("empty.json"), "empty");
    io::write_text_file(dir.file("other.json"), R"({"learner": {}})", false);
    expect_invalid(dir.file("other.json"), "lssr_cropmap");

    // Metadata that contradicts the booster.
    auto document = nlohmann::json::parse(text);
    document["lssr_cropmap"]["classes"].erase(2);
    io::write_text_file(dir.file("classes.json"), document.dump(), false);
    expect_invalid(dir.file("classes.json"), "classes");
}
