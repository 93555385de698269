// lssr-synth --landscape: every landscape family writes the whole product set
// with labels that say what it is, edges off the lattice, and the same bytes
// for the same seed; iowa (the default) is unchanged.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <complex>
#include <map>
#include <set>

#include "libio/products/legends.hpp"
#include "libsynth/landscape.hpp"
#include "libsynth/scene_variation.hpp"
#include "support.hpp"

namespace fs = std::filesystem;
using namespace lssr;
using lssr::test::read_raster_file;
using lssr::test::run_tool;
using lssr::test::TempDir;

namespace {

const std::string kDate = "2021-07-11";

std::string make_area(const TempDir& dir, const std::string& name, const std::string& landscape,
                      const std::string& seed = "5", const std::string& size = "2") {
    const std::string out = dir.file(name);
    std::vector<std::string> args{"-q", "-O", out, "--seed", seed, "--size", size, "--dates", kDate};
    if (!landscape.empty()) args.insert(args.end(), {"--landscape", landscape});
    const auto r = run_tool("lssr-synth", args);
    INFO(landscape << ": " << r.err);
    REQUIRE(r.exit_code == 0);
    return out;
}

// Share of each value of a label layer.
std::map<int, double> shares(const std::string& path) {
    const auto f = read_raster_file(path);
    std::map<int, double> out;
    for (float v : f.values.data) out[static_cast<int>(v)] += 1.0 / f.values.data.size();
    return out;
}

int distinct(const std::string& path) {
    std::set<int> ids;
    for (float v : read_raster_file(path).values.data) ids.insert(static_cast<int>(v));
    ids.erase(0);
    return static_cast<int>(ids.size());
}

std::string s2_band(const std::string& dir, const std::string& band) {
    for (const auto& f : test::list_files(dir))
        if (f.find("_" + band + "_") != std::string::npos && f.find("MSIL2A") != std::string::npos) return dir + "/" + f;
    FAIL("no Sentinel-2 " << band << " under " << dir);
    return {};
}

// Dominant direction (degrees, modulo 90) of the edges of a cover in a landscape:
// the angle of the 4th-harmonic mean of gradient directions, and its strength.
std::pair<double, double> grid_direction(const io::synth::Landscape& ls, io::synth::Cover cover) {
    std::complex<double> sum = 0;
    double total = 0;
    // The mask smoothed over 5x5 pixels, so that gradients follow the edge, not its staircase.
    const int w = ls.width, h = ls.height;
    std::vector<double> smooth(ls.pixels(), 0);
    for (int r = 2; r + 2 < h; ++r)
        for (int c = 2; c + 2 < w; ++c)
            for (int dr = -2; dr <= 2; ++dr)
                for (int dc = -2; dc <= 2; ++dc) smooth[ls.index(r, c)] += ls.cover[ls.index(r + dr, c + dc)] == cover;
    auto m = [&](int r, int c) { return smooth[ls.index(r, c)]; };
    for (int r = 3; r + 3 < h; ++r)
        for (int c = 3; c + 3 < w; ++c) {
            const double gx = m(r, c + 1) - m(r, c - 1), gy = m(r + 1, c) - m(r - 1, c);
            const double w = gx * gx + gy * gy;
            if (w == 0) continue;
            sum += w * std::polar(1.0, 4 * std::atan2(gy, gx));
            total += w;
        }
    const double angle = std::arg(sum) / 4 * 180 / M_PI;
    return {std::fmod(angle + 90, 90.0), std::abs(sum) / std::max(total, 1e-9)};
}

}  // namespace

TEST_CASE("lssr-synth --landscape writes every product of the iowa area, with values in range", "[synth]") {
    TempDir dir;
    const auto iowa_files = test::list_files(make_area(dir, "iowa", "", "5", "1"));
    std::set<int> legend;
    for (const auto& c : io::cdl_classes()) legend.insert(c.code);
    for (const std::string name : {"smallfields", "city", "coast", "forest", "mountains", "desert", "mix"}) {
        INFO(name);
        const std::string out = make_area(dir, name, name, "5", "1");
        CHECK(test::list_files(out) == iowa_files);
        for (const std::string band : {"B02", "B04", "B08", "B12"}) {
            const auto f = read_raster_file(s2_band(out, band));
            // finite, never nodata (0), reflectance <= 1
            const auto bad = std::count_if(f.values.data.begin(), f.values.data.end(),
                                           [](float dn) { return !std::isfinite(dn) || dn < 1 || dn > 11000; });
            CHECK(bad == 0);
        }
        const auto dem = read_raster_file(out + "/dem.tif").values.data;
        CHECK(std::all_of(dem.begin(), dem.end(), [](float v) { return std::isfinite(v); }));
        for (const auto& [code, share] : shares(out + "/truth/cdl_10m.tif")) CHECK(legend.count(code) == 1);
        for (const auto& [label, share] : shares(out + "/landcover.tif")) CHECK((label >= 0 && label <= 8));
    }
}

TEST_CASE("lssr-synth landscapes are labelled by what they show", "[synth]") {
    TempDir dir;
    auto dw = [&](const std::string& name) { return shares(make_area(dir, name, name) + "/landcover.tif"); };
    // Dynamic World: 0 water, 1 trees, 2 grass, 3 flooded vegetation, 4 crops, 5 shrub, 6 built, 7 bare.
    CHECK(dw("city")[6] > 0.3);
    CHECK(dw("coast")[0] > 0.2);
    CHECK(dw("desert")[7] > 0.4);
    CHECK(dw("forest")[1] > 0.5);
    {
        auto m = dw("mountains");
        CHECK(m[1] > 0.2);   // forest on the slopes
        CHECK(m[7] > 0.01);  // bare rock and scree
        const auto dem = read_raster_file(dir.file("mountains") + "/dem.tif").values.data;
        const auto [lo, hi] = std::minmax_element(dem.begin(), dem.end());
        CHECK(*hi - *lo > 300);  // real relief, not Iowa's ~40 m
    }
    CHECK(dw("mix").size() >= 4);
    // smallfields: still crop-type labels, and fields far smaller than Iowa's.
    const std::string small = make_area(dir, "smallfields", "smallfields"), iowa = make_area(dir, "iowa", "iowa");
    CHECK(shares(small + "/landcover.tif")[4] > 0.6);
    std::set<int> crop_codes{1, 5, 24, 36, 176, 141, 131};
    for (const auto& [code, share] : shares(small + "/truth/cdl_10m.tif"))
        if (share > 0.01) CHECK((crop_codes.count(code) == 1 || code == 121 || code == 111));
    CHECK(distinct(small + "/truth/field_id.tif") > 4 * distinct(iowa + "/truth/field_id.tif"));
}

TEST_CASE("lssr-synth city streets and small fields do not follow the pixel lattice", "[synth]") {
    using namespace io::synth;
    // Iowa's roads are north-south/east-west; the city's street grid is not, for some seed.
    const auto [iowa_angle, iowa_strength] = grid_direction(build_landscape(1, 200, 12), Cover::Road);
    INFO("iowa angle " << iowa_angle << " strength " << iowa_strength);
    CHECK((iowa_angle < 2 || iowa_angle > 88));
    CHECK(iowa_strength > 0.3);
    double off_lattice = 0;
    for (std::uint64_t seed = 1; seed <= 4; ++seed) {
        const auto [angle, strength] = grid_direction(build_landscape(seed, 200, 12, LandscapeKind::City), Cover::Road);
        INFO("seed " << seed << " angle " << angle << " strength " << strength);
        if (strength > 0.1) off_lattice = std::max(off_lattice, std::min(angle, 90 - angle));
    }
    CHECK(off_lattice > 10);
    // Small fields face every way: crop edges have no dominant lattice direction.
    const auto [fields_angle, fields_strength] =
        grid_direction(build_landscape(2, 200, 12, LandscapeKind::SmallFields), Cover::Corn);
    CHECK(fields_strength < 0.5 * iowa_strength);
}

TEST_CASE("lssr-synth --landscape is deterministic per seed, and iowa is the default", "[synth]") {
    TempDir dir;
    const std::string a = make_area(dir, "a", "coast", "9", "1"), b = make_area(dir, "b", "coast", "9", "1");
    const std::string c = make_area(dir, "c", "coast", "10", "1");
    const auto files = test::list_files(a);
    REQUIRE(files == test::list_files(b));
    int differ = 0;
    for (const auto& f : files) {
        INFO(f);
        CHECK(test::read_text(a + "/" + f) == test::read_text(b + "/" + f));
        differ += test::read_text(a + "/" + f) != test::read_text(c + "/" + f);
    }
    CHECK(differ > static_cast<int>(files.size()) / 2);
    // --landscape iowa is today's area, byte for byte.
    const std::string d = make_area(dir, "d", "", "9", "1"), e = make_area(dir, "e", "iowa", "9", "1");
    for (const auto& f : test::list_files(d)) CHECK(test::read_text(d + "/" + f) == test::read_text(e + "/" + f));
}

TEST_CASE("lssr-synth --landscape rejects an unknown name as a usage error listing the names", "[synth][cli]") {
    TempDir dir;
    const auto r = run_tool("lssr-synth", {"-q", "-O", dir.file("x"), "--dates", kDate, "--landscape", "moon"});
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("moon") != std::string::npos);
    CHECK(r.err.find("smallfields") != std::string::npos);
    CHECK(r.err.find("desert") != std::string::npos);
    CHECK(!fs::exists(dir.file("x")));
}

TEST_CASE("synth scene variation: haze is strongest in the blue, optics stay in the instruments' range", "[synth]") {
    using namespace io::synth;
    std::set<double> sigmas;
    for (std::uint64_t seed = 1; seed <= 20; ++seed) {
        const SceneRadiometry r = random_radiometry(seed);
        CHECK(r.haze[Blue] >= r.haze[Red]);
        CHECK(r.haze[Red] >= r.haze[Swir2]);
        CHECK(r.haze[Blue] <= 0.03);
        CHECK((r.illumination >= 0.85 && r.illumination <= 1.1));
        SensorModel s;
        vary_optics(s, kLandsatOptics, seed);
        CHECK((s.psf_sigma >= kLandsatOptics.sigma_min && s.psf_sigma <= kLandsatOptics.sigma_max));
        CHECK(std::abs(s.shift_east_m) <= kLandsatOptics.extra_shift_m);
        sigmas.insert(s.psf_sigma);
    }
    CHECK(sigmas.size() == 20);  // drawn per seed, not fixed
}
