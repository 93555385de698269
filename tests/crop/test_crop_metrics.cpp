// Accuracy metrics from a confusion matrix, checked against values worked out by
// hand, and the OTB confusion-matrix CSV layout.
#include <catch2/catch.hpp>

#include "libcrop/metrics.hpp"

using lssr::crop::ConfusionMatrix;


namespace {

// Reference rows / produced columns over labels 0, 1, 5:
//          0   1   5 | row
//   0     50   3   2 |  55
//   1      5  40   5 |  50
//   5      0  10  30 |  40
//   col   55  53  37 | 145
ConfusionMatrix hand_built() {
    ConfusionMatrix m;
    const int labels[3] = {0, 1, 5};
    const long long counts[3][3] = {{50, 3, 2}, {5, 40, 5}, {0, 10, 30}};
    for (int r = 0; r < 3; ++r)
        for (int c = 0; c < 3; ++c) m.add(labels[r], labels[c], counts[r][c]);
    return m;
}

}  // namespace

TEST_CASE("metrics of a hand-built confusion matrix equal the values worked out by hand", "[crop][metrics]") {
    const auto m = lssr::crop::compute_metrics(hand_built());
    REQUIRE(m.per_class.size() == 3);
    REQUIRE(m.pixels == 145);

    const auto& c0 = m.per_class[0];
    CHECK(c0.label == 0);
    CHECK(c0.precision == Approx(50.0 / 55));
    CHECK(c0.recall == Approx(50.0 / 55));
    CHECK(c0.f1 == Approx(50.0 / 55));
    CHECK(c0.iou == Approx(50.0 / 60));  // 50 / (55 + 55 - 50)

    const auto& c1 = m.per_class[1];
    CHECK(c1.label == 1);
    CHECK(c1.precision == Approx(40.0 / 53));
    CHECK(c1.recall == Approx(40.0 / 50));
    CHECK(c1.f1 == Approx(80.0 / 103));  // 2 TP / (row + column)
    CHECK(c1.iou == Approx(40.0 / 63));

    const auto& c5 = m.per_class[2];
    CHECK(c5.label == 5);
    CHECK(c5.precision == Approx(30.0 / 37));
    CHECK(c5.recall == Approx(30.0 / 40));
    CHECK(c5.f1 == Approx(60.0 / 77));
    CHECK(c5.iou == Approx(30.0 / 47));
    CHECK(c5.reference == 40);
    CHECK(c5.produced == 37);

    CHECK(m.macro.precision == Approx((50.0 / 55 + 40.0 / 53 + 30.0 / 37) / 3));
    CHECK(m.macro.recall == Approx((50.0 / 55 + 40.0 / 50 + 30.0 / 40) / 3));
    CHECK(m.macro.f1 == Approx((50.0 / 55 + 80.0 / 103 + 60.0 / 77) / 3));
    CHECK(m.macro.iou == Approx((50.0 / 60 + 40.0 / 63 + 30.0 / 47) / 3));
    CHECK(m.overall_accuracy == Approx(120.0 / 145));
    // po = 120/145, pe = (55*55 + 50*53 + 40*37) / 145^2 = 7155/21025
    CHECK(m.kappa == Approx(10245.0 / 13870));
}

TEST_CASE("a class only predicted, never in the reference, scores zero and counts in the macro mean",
          "[crop][metrics]") {
    ConfusionMatrix m;
    m.add(1, 1, 8);
    m.add(1, 24, 2);
    m.add(5, 5, 10);
    const auto s = lssr::crop::compute_metrics(m);
    REQUIRE(s.per_class.size() == 3);
    CHECK(s.per_class[2].label == 24);
    CHECK(s.per_class[2].precision == 0);
    CHECK(s.per_class[2].recall == 0);
    CHECK(s.per_class[2].f1 == 0);
    CHECK(s.macro.f1 == Approx((2.0 * 8 / 18 + 1.0 + 0.0) / 3));
    CHECK(s.overall_accuracy == Approx(18.0 / 20));
}

TEST_CASE("kappa is 1 for perfect agreement on a single class and 0 for chance-level maps", "[crop][metrics]") {
    ConfusionMatrix single;
    single.add(5, 5, 30);
    CHECK(lssr::crop::compute_metrics(single).kappa == 1.0);

    // Each class predicted independently of the truth, half and half: po = pe = 0.5.
    ConfusionMatrix chance;
    chance.add(1, 1, 25);
    chance.add(1, 5, 25);
    chance.add(5, 1, 25);
    chance.add(5, 5, 25);
    CHECK(lssr::crop::compute_metrics(chance).kappa == Approx(0.0).margin(1e-12));
    CHECK(lssr::crop::compute_metrics(ConfusionMatrix{}).pixels == 0);
}

TEST_CASE("the confusion CSV has OTB's layout: two header lines, reference rows, produced columns",
          "[crop][metrics]") {
    auto m = hand_built();
    m.add(24, 1, 4);  // a reference class never produced gets a row and a column of zeros
    CHECK(lssr::crop::confusion_csv(m) ==
          "#Reference labels (rows):0,1,5,24\n"
          "#Produced labels (columns):0,1,5,24\n"
          "50,3,2,0\n"
          "5,40,5,0\n"
          "0,10,30,0\n"
          "0,4,0,0\n");
}

TEST_CASE("the metrics JSON is keyed by CDL code with precision, recall, f1 and iou", "[crop][metrics]") {
    const auto j = lssr::crop::metrics_to_json(lssr::crop::compute_metrics(hand_built()));
    REQUIRE(j.at("per_class").contains("5"));
    CHECK(j["per_class"]["5"]["name"] == "Soybeans");
    CHECK(j["per_class"]["1"]["name"] == "Corn");
    CHECK(j["per_class"]["1"]["recall"].get<double>() == Approx(0.8));
    for (const char* key : {"precision", "recall", "f1", "iou"}) CHECK(j["macro"].contains(key));
    CHECK(j["overall_accuracy"].get<double>() == Approx(120.0 / 145));
    CHECK(j["kappa"].get<double>() == Approx(10245.0 / 13870));
}
