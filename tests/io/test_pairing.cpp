// Pairing rules: footprint overlap, the date window (inclusive), one HR scene per
// pair unless reused, a global and order-independent choice, Sentinel-1 attachment,
// sensor selection, pair IDs and the reasons given for unpaired scenes.
#include <catch2/catch.hpp>

#include <algorithm>
#include <regex>

#include "libio/core/errors.hpp"
#include "libio/pairing/pairing.hpp"
#include "libio/products/products.hpp"
#include "support.hpp"

using namespace lssr;
using namespace lssr::io;

namespace {

const std::string& utm15n() {
    static const std::string wkt = crs_from_user_input("EPSG:32615");
    return wkt;
}

// A scene of `sensor` on `date` covering a square of `size` metres at (x, y) in UTM 15N.
ScannedScene scene(const std::string& id, const std::string& sensor, const std::string& date, double x = 500000,
                   double y = 4200000, double size = 3000, const std::string& crs = utm15n()) {
    ScannedScene s;
    s.scene.id = id;
    s.scene.sensor = sensor;
    s.scene.date = date;
    s.scene.tile = sensor == "sentinel2" ? "15TVG" : "";
    s.scene.paths = {id + ".tif"};
    const std::vector<std::string> roles =
        sensor == "sentinel1" ? std::vector<std::string>{"vv", "vh"} : reflectance_role_names();
    int band = 1;
    for (const auto& role : roles) s.scene.bands[role] = BandRef{id + ".tif", band++, BandScaling{}};
    s.crs_wkt = crs;
    s.native_bounds = Bounds{x, y - size, x + size, y};
    s.footprint = transform_bounds(s.native_bounds, crs, crs_from_user_input("EPSG:4326"));
    return s;
}

const PairRecord* pair_of(const PairingResult& r, const std::string& lr_id) {
    for (const auto& p : r.pairs)
        if (p.lr.id == lr_id) return &p;
    return nullptr;
}

std::string reason_for(const PairingResult& r, const std::string& lr_id) {
    for (const auto& u : r.unpaired)
        if (u.id == lr_id) return u.reason;
    return "";
}

}  // namespace

TEST_CASE("the date window is inclusive: 7 days apart pairs, 8 does not", "[pairing]") {
    const auto r = pair_scenes({scene("L8-a", "landsat8", "2021-06-01"), scene("S2-a", "sentinel2", "2021-06-08"),
                                scene("L8-b", "landsat8", "2021-08-01"), scene("S2-b", "sentinel2", "2021-08-09")},
                               PairOptions{});
    REQUIRE(r.pairs.size() == 1);
    CHECK(r.pairs[0].lr.id == "L8-a");
    CHECK(r.pairs[0].hr.id == "S2-a");
    CHECK(r.pairs[0].delta_days == 7);
    CHECK(r.pairs[0].overlap == Approx(1.0));
    REQUIRE(r.unpaired.size() == 1);
    CHECK(r.unpaired[0].id == "L8-b");
    CHECK(r.unpaired[0].reason.find("within 7 days") != std::string::npos);
    CHECK(r.unpaired[0].reason.find("S2-b, 8 days") != std::string::npos);

    PairOptions wide;
    wide.max_days = 8;
    CHECK(pair_scenes({scene("L8-b", "landsat8", "2021-08-01"), scene("S2-b", "sentinel2", "2021-08-09")}, wide)
              .pairs.size() == 1);
}

TEST_CASE("footprints that do not overlap never pair, however close the dates", "[pairing]") {
    const auto r = pair_scenes({scene("L8", "landsat8", "2021-06-01", 500000),
                                scene("S2-far", "sentinel2", "2021-06-01", 600000),
                                scene("S2-touching", "sentinel2", "2021-06-01", 503000)},  // shares an edge only
                               PairOptions{});
    CHECK(r.pairs.empty());
    CHECK(reason_for(r, "L8").find("overlaps") != std::string::npos);
}

TEST_CASE("the overlap is the covered fraction of the LR footprint and --min-overlap bounds it", "[pairing]") {
    // HR covers the eastern 30% of the LR square.
    const std::vector<ScannedScene> scenes{scene("L8", "landsat8", "2021-06-01", 500000),
                                           scene("S2", "sentinel2", "2021-06-02", 502100)};
    const auto any = pair_scenes(scenes, PairOptions{});
    REQUIRE(any.pairs.size() == 1);
    CHECK(any.pairs[0].overlap == Approx(0.3));
    PairOptions strict;
    strict.min_overlap = 0.5;
    const auto none = pair_scenes(scenes, strict);
    CHECK(none.pairs.empty());
    CHECK(reason_for(none, "L8").find("more than 50%") != std::string::npos);
}

TEST_CASE("footprints in different CRSs are compared after reprojection", "[pairing]") {
    // The LR square again, described by an HR scene in lon/lat around it.
    const ScannedScene lr = scene("L8", "landsat8", "2021-06-01");
    ScannedScene hr = scene("S2", "sentinel2", "2021-06-01");
    hr.crs_wkt = crs_from_user_input("EPSG:4326");
    hr.native_bounds = Bounds{lr.footprint.min_x - 0.01, lr.footprint.min_y - 0.01, lr.footprint.max_x + 0.01,
                              lr.footprint.max_y + 0.01};
    hr.footprint = hr.native_bounds;
    CHECK(overlap_fraction(lr, hr) == Approx(1.0));
    CHECK(overlap_fraction(hr, lr) < 0.5);
}

TEST_CASE("each HR scene serves one LR scene, the closest; --reuse-hr shares it", "[pairing]") {
    const std::vector<ScannedScene> scenes{scene("LC08", "landsat8", "2021-06-27"),
                                           scene("HLS-S30", "hls-s30", "2021-06-26"),
                                           scene("S2", "sentinel2", "2021-06-26")};
    const auto once = pair_scenes(scenes, PairOptions{});
    REQUIRE(once.pairs.size() == 1);
    CHECK(once.pairs[0].lr.id == "HLS-S30");
    CHECK(reason_for(once, "LC08").find("closer scene") != std::string::npos);

    PairOptions reuse;
    reuse.reuse_hr = true;
    const auto shared = pair_scenes(scenes, reuse);
    REQUIRE(shared.pairs.size() == 2);
    CHECK(pair_of(shared, "LC08")->hr.id == "S2");
    CHECK(pair_of(shared, "HLS-S30")->hr.id == "S2");
    CHECK(shared.pairs[0].id != shared.pairs[1].id);

    PairOptions landsat_only;
    landsat_only.lr_sensors = {"landsat"};
    const auto selected = pair_scenes(scenes, landsat_only);
    REQUIRE(selected.pairs.size() == 1);
    CHECK(selected.pairs[0].lr.id == "LC08");
    CHECK(selected.pairs[0].delta_days == -1);
    CHECK(reason_for(selected, "HLS-S30").find("--lr") != std::string::npos);
    for (const auto& u : selected.unpaired) CHECK(u.selected == (u.id != "HLS-S30"));
}

TEST_CASE("conflicts are resolved over all candidates at once, not scene by scene", "[pairing]") {
    // A (day 0) is 2 days from X and 6 from Y; B (day 3) 1 from X and 3 from Y.
    // Taking LR scenes in turn would give A-X, B-Y; the global order gives B-X first.
    const std::vector<ScannedScene> scenes{scene("A", "landsat8", "2021-06-01"), scene("B", "landsat9", "2021-06-04"),
                                           scene("X", "sentinel2", "2021-06-03"), scene("Y", "sentinel2", "2021-06-07")};
    const auto r = pair_scenes(scenes, PairOptions{});
    REQUIRE(r.pairs.size() == 2);
    CHECK(pair_of(r, "B")->hr.id == "X");
    CHECK(pair_of(r, "A")->hr.id == "Y");
    CHECK(pair_of(r, "A")->delta_days == 6);

    // Same result, same IDs, whatever the input order.
    std::vector<ScannedScene> shuffled(scenes.rbegin(), scenes.rend());
    std::swap(shuffled[0], shuffled[2]);
    const auto again = pair_scenes(shuffled, PairOptions{});
    REQUIRE(again.pairs.size() == 2);
    for (size_t i = 0; i < 2; ++i) CHECK(to_json(again.pairs[i]) == to_json(r.pairs[i]));
}

TEST_CASE("equal gaps go to the HR scene covering more of the LR footprint", "[pairing]") {
    const auto r = pair_scenes({scene("L8", "landsat8", "2021-06-05"), scene("S2-half", "sentinel2", "2021-06-03", 501500),
                                scene("S2-full", "sentinel2", "2021-06-07", 499000, 4201000, 5000)},
                               PairOptions{});
    REQUIRE(r.pairs.size() == 1);
    CHECK(r.pairs[0].hr.id == "S2-full");
}

TEST_CASE("Sentinel-1: the closest scene overlapping the HR footprint within its window, reusable", "[pairing]") {
    const std::vector<ScannedScene> scenes{
        scene("L8-a", "landsat8", "2021-06-27"), scene("S2-a", "sentinel2", "2021-06-26"),
        scene("L8-b", "landsat9", "2021-07-05"), scene("S2-b", "sentinel2", "2021-07-04"),
        scene("S1-near", "sentinel1", "2021-06-29"), scene("S1-nearer", "sentinel1", "2021-06-25"),
        scene("S1-elsewhere", "sentinel1", "2021-06-26", 700000)};
    PairOptions with;
    with.with_s1 = true;
    const auto r = pair_scenes(scenes, with);
    REQUIRE(r.pairs.size() == 2);
    REQUIRE(pair_of(r, "L8-a")->s1);
    CHECK(pair_of(r, "L8-a")->s1->id == "S1-nearer");
    REQUIRE(pair_of(r, "L8-b")->s1);
    CHECK(pair_of(r, "L8-b")->s1->id == "S1-near");  // 5 days from S2-b

    with.s1_max_days = 2;
    const auto tight = pair_scenes(scenes, with);
    CHECK(pair_of(tight, "L8-a")->s1->id == "S1-nearer");
    CHECK_FALSE(pair_of(tight, "L8-b")->s1.has_value());

    const auto without = pair_scenes(scenes, PairOptions{});
    for (const auto& p : without.pairs) CHECK_FALSE(p.s1.has_value());
}

TEST_CASE("one Sentinel-1 scene may serve several pairs", "[pairing]") {
    PairOptions with;
    with.with_s1 = true;
    const auto r = pair_scenes({scene("L8", "landsat8", "2021-06-27"), scene("HLS", "hls-l30", "2021-06-28"),
                                scene("S2-a", "sentinel2", "2021-06-26"), scene("S2-b", "sentinel2", "2021-06-29"),
                                scene("S1", "sentinel1", "2021-06-27")},
                               with);
    REQUIRE(r.pairs.size() == 2);
    for (const auto& p : r.pairs) {
        REQUIRE(p.s1);
        CHECK(p.s1->id == "S1");
    }
}

TEST_CASE("scenes without all six reflectance roles are not paired", "[pairing]") {
    ScannedScene partial = scene("L8", "landsat8", "2021-06-01");
    partial.scene.bands.erase("swir2");
    ScannedScene hr_partial = scene("S2-partial", "sentinel2", "2021-06-01");
    hr_partial.scene.bands.erase("nir");
    const auto r = pair_scenes({partial, scene("L30", "hls-l30", "2021-06-02"), hr_partial}, PairOptions{});
    CHECK(r.pairs.empty());
    CHECK(reason_for(r, "L8").find("swir2") != std::string::npos);
    CHECK(reason_for(r, "L30").find("overlaps") != std::string::npos);  // the only S2 lacks nir
}

TEST_CASE("pair IDs are unique, deterministic and hold only letters, digits and '-'", "[pairing]") {
    PairOptions reuse;
    reuse.reuse_hr = true;
    const auto r = pair_scenes({scene("LC08_L2SP_026031_20210627_20210707_02_T1", "landsat8", "2021-06-27"),
                                scene("HLS.L30.T15TVG.2021178T165432.v2.0", "hls-l30", "2021-06-27"),
                                scene("S2", "sentinel2", "2021-06-26")},
                               reuse);
    REQUIRE(r.pairs.size() == 2);
    CHECK(r.pairs[0].id == "T15TVG-20210627");
    CHECK(r.pairs[1].id == "T15TVG-20210627-2");
    const std::regex allowed("[A-Za-z0-9-]+");
    for (const auto& p : r.pairs) {
        CHECK(std::regex_match(p.id, allowed));
        // The manifest contract accepts what we write.
        CHECK(pair_from_json(to_json(p), "test").id == p.id);
    }
}

TEST_CASE("bad pairing options are usage errors", "[pairing]") {
    PairOptions o;
    o.max_days = -1;
    CHECK_THROWS_AS(pair_scenes({}, o), OptionError);
    o = PairOptions{};
    o.min_overlap = 1.0;
    CHECK_THROWS_AS(pair_scenes({}, o), OptionError);
    o = PairOptions{};
    o.lr_sensors = {"modis"};
    CHECK_THROWS_AS(pair_scenes({}, o), OptionError);
}
