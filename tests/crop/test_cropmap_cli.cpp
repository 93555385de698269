// cropmap-fit and cropmap-predict as a user runs them, on generated areas of
// three well-separated classes (corn, soybeans, grass as background).
#include <catch2/catch.hpp>

#include <cmath>
#include <fstream>
#include <map>
#include <sstream>

#include <gdal_priv.h>
#include <nlohmann/json.hpp>

#include "crop_fixtures.hpp"
#include "libio/gdal/gdal_dataset.hpp"
#include "libio/gdal/raster.hpp"
#include "support.hpp"

using namespace lssr;

using test::read_text;
using test::run_tool;

namespace {

const io::Grid kGrid = test::utm_grid(90, 90, 10.0);

// Two dated images and same-grid labels.
void write_area(test::TempDir& dir) {
    crop::test::ImageSpec june;
    june.seed = 11;
    crop::test::write_image(dir.file("HLS.L30.T15TVG.2021177T165432.v2.0.tif"), kGrid, june);
    crop::test::ImageSpec july;
    july.date = 1;
    july.seed = 12;
    crop::test::write_image(dir.file("HLS.L30.T15TVG.2021209T165432.v2.0.tif"), kGrid, july);
    crop::test::write_labels(dir.file("labels.tif"), kGrid);
}

std::vector<std::string> images(test::TempDir& dir) {
    return {dir.file("HLS.L30.T15TVG.2021177T165432.v2.0.tif"), dir.file("HLS.L30.T15TVG.2021209T165432.v2.0.tif")};
}

std::vector<std::string> concat(std::vector<std::string> a, const std::vector<std::string>& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

void fit(test::TempDir& dir, const std::string& labels = "labels.tif") {
    const auto r = run_tool("cropmap-fit", concat({"-q", "--threads", "1", "--rounds", "15", "--samples-per-class",
                                                   "1500", "--labels", dir.file(labels), "-o", dir.file("model.json")},
                                                  images(dir)));
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
}

std::vector<float> read_band(const std::string& path, int band = 1) {
    auto ds = io::open_raster(path);
    const io::Grid g = io::grid_of(*ds, path);
    return io::read_block(*ds, {band}, io::Window{0, 0, g.width, g.height}, path).data;
}

}  // namespace

TEST_CASE("cropmap: fit and predict separate well-separated crops at 10 m with macro F1 >= 0.9", "[crop][cli]") {
    test::TempDir dir;
    write_area(dir);
    fit(dir);
    const auto model = nlohmann::json::parse(read_text(dir.file("model.json")));
    CHECK(model["lssr_cropmap"]["images"][0]["date"] == "2021-06-26");
    CHECK(model["lssr_cropmap"]["images"][1]["date"] == "2021-07-28");
    CHECK(model["lssr_cropmap"]["features"].size() == 14);
    CHECK(model["xgboost"].contains("learner"));

    const auto r = run_tool("cropmap-predict",
                            concat({"-q", "--threads", "1", "-m", dir.file("model.json"), "-o", dir.file("map.tif"),
                                    "--proba", dir.file("proba.tif"), "--labels", dir.file("labels.tif"), "--metrics",
                                    dir.file("metrics.json"), "--confusion", dir.file("confusion.csv")},
                                   images(dir)));
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    const auto metrics = nlohmann::json::parse(read_text(dir.file("metrics.json")));
    CHECK(metrics["macro"]["f1"].get<double>() >= 0.9);
    CHECK(metrics["kappa"].get<double>() >= 0.85);
    for (const char* code : {"0", "1", "5"}) CHECK(metrics["per_class"].contains(code));

    // Class map: CDL codes with the CDL colour table; probabilities sum to 1.
    auto map = io::open_raster(dir.file("map.tif"));
    GDALRasterBand* band = map->GetRasterBand(1);
    CHECK(band->GetRasterDataType() == GDT_Byte);
    int has_nodata = 0;
    CHECK(band->GetNoDataValue(&has_nodata) == 255);
    CHECK(has_nodata);
    REQUIRE(band->GetColorTable() != nullptr);
    CHECK(band->GetColorTable()->GetColorEntry(1)->c1 == 255);  // corn yellow
    auto proba = io::open_raster(dir.file("proba.tif"));
    REQUIRE(proba->GetRasterCount() == 3);
    CHECK(std::string(proba->GetRasterBand(3)->GetDescription()) == "Soybeans");
    const auto p = io::read_block(*proba, {1, 2, 3}, io::Window{40, 40, 1, 1}, "proba");
    CHECK(p.data[0] + p.data[1] + p.data[2] == Approx(1.0).margin(1e-4));
}

TEST_CASE("cropmap-predict metrics equal an independent count from the class raster and the labels",
          "[crop][cli]") {
    test::TempDir dir;
    write_area(dir);
    fit(dir);
    // A little noise more so that the map is not perfect.
    crop::test::ImageSpec noisy;
    noisy.noise = 0.04;
    noisy.seed = 99;
    crop::test::write_image(dir.file("noisy_20210626.tif"), kGrid, noisy);
    noisy.date = 1;
    noisy.seed = 98;
    crop::test::write_image(dir.file("noisy_20210728.tif"), kGrid, noisy);
    const auto r = run_tool("cropmap-predict", {"-q", "-m", dir.file("model.json"), "-o", dir.file("map.tif"),
                                                "--labels", dir.file("labels.tif"), "--metrics",
                                                dir.file("metrics.json"), "--confusion", dir.file("confusion.csv"),
                                                dir.file("noisy_20210626.tif"), dir.file("noisy_20210728.tif")});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);

    const auto produced = read_band(dir.file("map.tif"));
    const auto reference = read_band(dir.file("labels.tif"));
    std::map<int, std::map<int, long long>> counts;
    std::map<int, long long> rows, cols;
    long long n = 0, agree = 0;
    for (size_t i = 0; i < produced.size(); ++i) {
        const int ref = reference[i] == 1 || reference[i] == 5 ? static_cast<int>(reference[i]) : 0;
        const int pro = static_cast<int>(produced[i]);
        ++counts[ref][pro];
        ++rows[ref];
        ++cols[pro];
        ++n;
        agree += ref == pro;
    }
    REQUIRE(agree < n);  // the noisy map has errors to count
    const auto metrics = nlohmann::json::parse(read_text(dir.file("metrics.json")));
    double pe = 0;
    for (int code : {0, 1, 5}) {
        INFO(code);
        const double tp = static_cast<double>(counts[code][code]);
        const auto& m = metrics["per_class"][std::to_string(code)];
        CHECK(m["precision"].get<double>() == Approx(tp / cols[code]));
        CHECK(m["recall"].get<double>() == Approx(tp / rows[code]));
        CHECK(m["f1"].get<double>() == Approx(2 * tp / (rows[code] + cols[code])));
        CHECK(m["iou"].get<double>() == Approx(tp / (rows[code] + cols[code] - tp)));
        pe += static_cast<double>(rows[code]) * cols[code] / (static_cast<double>(n) * n);
    }
    const double po = static_cast<double>(agree) / n;
    CHECK(metrics["overall_accuracy"].get<double>() == Approx(po));
    CHECK(metrics["kappa"].get<double>() == Approx((po - pe) / (1 - pe)));

    std::ostringstream csv;
    csv << "#Reference labels (rows):0,1,5\n#Produced labels (columns):0,1,5\n";
    for (int ref : {0, 1, 5}) csv << counts[ref][0] << "," << counts[ref][1] << "," << counts[ref][5] << "\n";
    CHECK(read_text(dir.file("confusion.csv")) == csv.str());
}

TEST_CASE("cropmap with CDL labels in EPSG:5070 at 30 m and images in UTM at 10 m", "[crop][cli]") {
    test::TempDir dir;
    write_area(dir);
    crop::test::write_albers_labels(dir.file("cdl_5070.tif"), crop::test::albers_grid_covering(kGrid, 30.0));
    fit(dir, "cdl_5070.tif");
    const auto r = run_tool("cropmap-predict", concat({"-q", "-m", dir.file("model.json"), "-o", dir.file("map.tif"),
                                                       "--labels", dir.file("cdl_5070.tif")},
                                                      images(dir)));
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    // Without --metrics, the metrics JSON goes to stdout.
    const auto metrics = nlohmann::json::parse(r.out);
    CHECK(metrics["macro"]["f1"].get<double>() >= 0.85);
    // The map itself follows the fields, not the 30 m label pixels: interior pixels are right.
    const auto produced = read_band(dir.file("map.tif"));
    long long interior = 0, right = 0;
    for (int row = 0; row < 90; ++row)
        for (int c = 0; c < 90; ++c) {
            const double x = 500005 + c * 10.0, y = 4199995 - row * 10.0;
            if (crop::test::distance_to_field_edge(x, y) < 20) continue;
            const int code = crop::test::field_class(x, y);
            ++interior;
            right += produced[row * 90 + c] == (code == crop::test::kGrass ? 0 : code);
        }
    CHECK(right >= 0.97 * interior);
}

TEST_CASE("cropmap-predict keeps nodata pixels as nodata (255)", "[crop][cli]") {
    test::TempDir dir;
    write_area(dir);
    fit(dir);
    crop::test::ImageSpec holes;
    holes.date = 1;
    holes.nodata_window = io::Window{10, 20, 15, 5};
    crop::test::write_image(dir.file("holes_20210728.tif"), kGrid, holes);
    const auto r = run_tool("cropmap-predict", {"-q", "-m", dir.file("model.json"), "-o", dir.file("map.tif"),
                                                images(dir)[0], dir.file("holes_20210728.tif")});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    const auto produced = read_band(dir.file("map.tif"));
    for (int row = 0; row < 90; ++row)
        for (int c = 0; c < 90; ++c) {
            const bool hole = c >= 10 && c < 25 && row >= 20 && row < 25;
            if (hole) CHECK(produced[row * 90 + c] == 255);
            else if (produced[row * 90 + c] == 255) FAIL("pixel with data predicted as nodata");
        }
}

TEST_CASE("cropmap-predict refuses a truncated model with exit 1", "[crop][cli]") {
    test::TempDir dir;
    write_area(dir);
    fit(dir);
    const std::string text = read_text(dir.file("model.json"));
    std::ofstream(dir.file("cut.json"), std::ios::binary) << text.substr(0, text.size() * 2 / 3);
    const auto r = run_tool("cropmap-predict", concat({"-q", "-m", dir.file("cut.json"), "-o", dir.file("map.tif")},
                                                      images(dir)));
    CHECK(r.exit_code == 1);
    CHECK(r.err.rfind("cropmap-predict: error: " + dir.file("cut.json") + ": not a valid cropmap model", 0) == 0);
    CHECK_FALSE(std::filesystem::exists(dir.file("map.tif")));
}

TEST_CASE("cropmap-predict refuses images that differ from the model's", "[crop][cli]") {
    test::TempDir dir;
    write_area(dir);
    fit(dir);
    SECTION("a different band count") {
        crop::test::ImageSpec seven;
        seven.date = 1;
        seven.extra_bands = 1;
        crop::test::write_image(dir.file("seven_20210728.tif"), kGrid, seven);
        const auto r = run_tool("cropmap-predict", {"-q", "-m", dir.file("model.json"), "-o", dir.file("map.tif"),
                                                    images(dir)[0], dir.file("seven_20210728.tif")});
        CHECK(r.exit_code == 1);
        CHECK(r.err.find(dir.file("seven_20210728.tif") + ": has 7 band(s)") != std::string::npos);
    }
    SECTION("bands whose roles cannot be found") {
        GDALDriver* gtiff = GetGDALDriverManager()->GetDriverByName("GTiff");
        io::DatasetPtr copy(gtiff->CreateCopy(dir.file("renamed.tif").c_str(),
                                              io::open_raster(images(dir)[1]).get(), FALSE, nullptr, nullptr,
                                              nullptr));
        copy->GetRasterBand(6)->SetDescription("vh");
        copy.reset();
        const auto r = run_tool("cropmap-predict", {"-q", "-m", dir.file("model.json"), "-o", dir.file("map.tif"),
                                                    images(dir)[0], dir.file("renamed.tif")});
        CHECK(r.exit_code == 1);
        CHECK(r.err.find(dir.file("renamed.tif") + ": no band is described as 'swir2'") != std::string::npos);
    }
    SECTION("a different number of images") {
        const auto r = run_tool("cropmap-predict",
                                {"-q", "-m", dir.file("model.json"), "-o", dir.file("map.tif"), images(dir)[0]});
        CHECK(r.exit_code == 1);
        CHECK(r.err.find("trained on 2 image(s)") != std::string::npos);
    }
    CHECK_FALSE(std::filesystem::exists(dir.file("map.tif")));
}

TEST_CASE("cropmap-predict refuses images on different grids, naming the file, unless --align", "[crop][cli]") {
    test::TempDir dir;
    write_area(dir);
    fit(dir);
    crop::test::ImageSpec july;
    july.date = 1;
    crop::test::write_image(dir.file("shifted_20210728.tif"), test::utm_grid(92, 92, 10.0, 499990.0, 4200010.0), july);
    const std::vector<std::string> args{"-q", "-m", dir.file("model.json"), "-o", dir.file("map.tif"),
                                        images(dir)[0], dir.file("shifted_20210728.tif")};
    const auto r = run_tool("cropmap-predict", args);
    CHECK(r.exit_code == 1);
    CHECK(r.err.rfind("cropmap-predict: error: " + dir.file("shifted_20210728.tif") + ": grid", 0) == 0);
    CHECK(r.err.find("--align") != std::string::npos);

    const auto aligned = run_tool("cropmap-predict", concat(args, {"--align", "--labels", dir.file("labels.tif")}));
    INFO(aligned.err);
    REQUIRE(aligned.exit_code == 0);
    CHECK(nlohmann::json::parse(aligned.out)["macro"]["f1"].get<double>() >= 0.9);
}

TEST_CASE("cropmap tools leave existing outputs untouched without --overwrite", "[crop][cli]") {
    test::TempDir dir;
    write_area(dir);
    fit(dir);
    const std::string before = read_text(dir.file("model.json"));
    auto r = run_tool("cropmap-fit", concat({"-q", "--rounds", "2", "--labels", dir.file("labels.tif"), "-o",
                                             dir.file("model.json")},
                                            images(dir)));
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("already exists") != std::string::npos);
    CHECK(read_text(dir.file("model.json")) == before);

    std::ofstream(dir.file("map.tif")) << "keep";
    r = run_tool("cropmap-predict", concat({"-q", "-m", dir.file("model.json"), "-o", dir.file("map.tif")}, images(dir)));
    CHECK(r.exit_code == 1);
    CHECK(read_text(dir.file("map.tif")) == "keep");
    r = run_tool("cropmap-predict",
                 concat({"-q", "--overwrite", "-m", dir.file("model.json"), "-o", dir.file("map.tif")}, images(dir)));
    CHECK(r.exit_code == 0);
    CHECK(read_text(dir.file("map.tif")) != "keep");
}

TEST_CASE("cropmap usage errors exit 2", "[crop][cli]") {
    test::TempDir dir;
    CHECK(run_tool("cropmap-fit", {"--labels", "x.tif", "-o", dir.file("m.json"), "--classes", "1,corn", "a.tif"})
              .exit_code == 2);
    CHECK(run_tool("cropmap-fit", {"--labels", "x.tif", "-o", dir.file("m.json"), "--indices", "ndvx", "a.tif"})
              .exit_code == 2);
    CHECK(run_tool("cropmap-predict", {"-m", "m.json", "-o", dir.file("c.tif"), "--metrics", dir.file("m.json"), "a.tif"})
              .exit_code == 2);
}
