// Mutation fuzz of model bundles (issue 10): a few hundred seeded mutants of
// the shipped default bundle (header values, types, keys, dtypes, shapes,
// offsets, names, truncation, flipped data bits). Each must either load and
// upscale a tiny tile to finite values through the path lssr-upscale uses, or
// be refused with one lssr::Error line naming the file; never crash, hang,
// allocate without bound or produce NaN.
#include <catch2/catch.hpp>
#include <torch/torch.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <functional>
#include <random>
#include <nlohmann/json.hpp>

#include "bundle_bytes.hpp"
#include "libio/core/errors.hpp"
#include "libsr/lssr/model_choice.hpp"
#include "libsr/lssr/sr_tile_model.hpp"
#include "default_model.hpp"
#include "support.hpp"

namespace fs = std::filesystem;
using lssr::test::BundleBytes;
using lssr::test::TempDir;
using ojson = nlohmann::ordered_json;

namespace {

using lssr::test::default_bundle;

// Values a damaged or hostile writer might put anywhere.
const std::vector<ojson>& bad_json_values() {
    static const std::vector<ojson> values = {
        ojson(-1), ojson(0), ojson(1), ojson(5000), ojson(1e300), ojson(-1e300), ojson(1.5), ojson(4000000000000LL),
        ojson(UINT64_MAX), ojson("nan"), ojson("inf"), ojson("32"), ojson(true), ojson(nullptr), ojson::array(),
        ojson::object(), ojson::array({1, 2}), ojson("F32")};
    return values;
}
const std::vector<std::string>& bad_strings() {
    static const std::vector<std::string> values = {
        "nan", "inf", "-inf", "1e300", "1e30", "-1", "0", "5000", "1.5", "", "abc", "\n", "{}", "[]", "null",
        "-9223372036854775809", "99999999999999999999", "8\n", "{\"a\":1}", "\x1b[2J"};
    return values;
}

template <typename T>
const T& pick(std::mt19937& rng, const std::vector<T>& v) {
    return v[std::uniform_int_distribution<std::size_t>(0, v.size() - 1)(rng)];
}

// Every JSON pointer to a leaf or container below `j` (not the root).
void collect_paths(const ojson& j, const ojson::json_pointer& at, std::vector<ojson::json_pointer>& out) {
    if (j.is_object())
        for (const auto& [k, v] : j.items()) {
            out.push_back(at / k);
            collect_paths(v, at / k, out);
        }
    else if (j.is_array())
        for (std::size_t i = 0; i < j.size(); ++i) {
            out.push_back(at / i);
            collect_paths(j[i], at / i, out);
        }
}

// Replaces, removes or adds something inside a JSON document.
void mutate_json(ojson& j, std::mt19937& rng) {
    std::vector<ojson::json_pointer> paths;
    collect_paths(j, ojson::json_pointer(), paths);
    const int op = std::uniform_int_distribution<int>(0, 9)(rng);
    if (paths.empty() || op == 0) {
        if (j.is_object()) j["unknown_" + std::to_string(rng() % 100)] = 1;
        return;
    }
    const auto p = pick(rng, paths);
    if (op == 1) {
        auto& parent = j[p.parent_pointer()];
        if (parent.is_object()) parent.erase(p.back());
        else if (parent.is_array() && !parent.empty()) parent.erase(parent.begin());
        return;
    }
    j[p] = pick(rng, bad_json_values());
}

std::vector<std::string> tensor_names(const BundleBytes& b) {
    std::vector<std::string> names;
    for (const auto& [k, v] : b.header.items())
        if (k != "__metadata__") names.push_back(k);
    return names;
}

// One mutant of the bundle's bytes.
std::string mutate(const BundleBytes& original, std::mt19937& rng, std::string& what) {
    BundleBytes b = original;
    const int kind = std::uniform_int_distribution<int>(0, 11)(rng);
    auto& meta = b.header["__metadata__"];
    switch (kind) {
        case 0: {  // a metadata value replaced by a bad string
            std::vector<std::string> keys;
            for (const auto& [k, v] : meta.items()) keys.push_back(k);
            const auto key = pick(rng, keys);
            meta[key] = pick(rng, bad_strings());
            what = "metadata " + key + " replaced";
            break;
        }
        case 1:
        case 2: {  // inside the JSON held in a metadata value
            static const std::vector<std::string> keys = {"architecture", "architecture", "unet_config",
                                                          "vae_config",   "band_roles",   "provenance"};
            const auto key = pick(rng, keys);
            auto j = ojson::parse(meta[key].get<std::string>());
            mutate_json(j, rng);
            meta[key] = j.dump();
            what = "inside metadata " + key;
            break;
        }
        case 3: {  // a metadata key removed or added
            if (rng() % 2) {
                std::vector<std::string> keys;
                for (const auto& [k, v] : meta.items()) keys.push_back(k);
                const auto key = pick(rng, keys);
                meta.erase(key);
                what = "metadata " + key + " removed";
            } else {
                meta["extra"] = "1";
                what = "metadata key added";
            }
            break;
        }
        case 4: {  // a dtype relabelled
            static const std::vector<std::string> dtypes = {"I32", "I32", "F16", "BF16", "U8", "I64", "F64", "BOOL", "Q4"};
            const auto name = pick(rng, tensor_names(b));
            const auto dtype = pick(rng, dtypes);
            b.header[name]["dtype"] = dtype;
            // Keep the byte count right where the new type allows, so the value checks are reached.
            if (dtype == "F16" || dtype == "BF16") {
                auto& shape = b.header[name]["shape"];
                shape.push_back(2);
            }
            what = "dtype of " + name + " -> " + dtype;
            break;
        }
        case 5: {  // a shape or offset changed
            const auto name = pick(rng, tensor_names(b));
            auto& entry = b.header[name];
            std::vector<ojson::json_pointer> paths;
            collect_paths(entry, ojson::json_pointer(), paths);
            const auto p = pick(rng, paths);
            if (entry[p].is_number()) {
                static const std::vector<ojson> numbers = {ojson(0), ojson(-1), ojson(1), ojson(4000000000LL),
                                                           ojson(UINT64_MAX), ojson(2.5)};
                entry[p] = rng() % 2 ? ojson(entry[p].get<int64_t>() + (rng() % 2 ? 1 : -1)) : pick(rng, numbers);
            } else {
                mutate_json(entry, rng);
            }
            what = "entry of " + name + " changed";
            break;
        }
        case 6: {  // a tensor renamed (control characters, other prefix) or dropped from the header
            const auto name = pick(rng, tensor_names(b));
            static const std::vector<std::string> suffixes = {"\n", "\nframe #0", "\x1b", "_x", ""};
            ojson header;
            const auto suffix = pick(rng, suffixes);
            for (auto& [k, v] : b.header.items())
                if (k != name) header[k] = v;
                else if (!suffix.empty()) header[k + suffix] = v;
            b.header = header;
            what = "tensor " + name + (suffix.empty() ? " dropped" : " renamed");
            break;
        }
        case 7:
        case 8: {  // bits flipped in the data
            const int flips = 1 + static_cast<int>(rng() % 8);
            for (int i = 0; i < flips; ++i) {
                const auto at = std::uniform_int_distribution<std::size_t>(0, b.data.size() - 1)(rng);
                // Half of them on a float's top exponent bit, the flip that makes huge values.
                const auto bit = rng() % 2 ? 6 : rng() % 8;
                b.data[at] = static_cast<char>(b.data[at] ^ (1 << bit));
            }
            what = std::to_string(flips) + " data bits flipped";
            break;
        }
        case 9: {  // the file cut short
            std::string bytes = BundleBytes::assemble(b.header_text(), b.data);
            bytes.resize(std::uniform_int_distribution<std::size_t>(0, bytes.size() - 1)(rng));
            what = "truncated";
            return bytes;
        }
        case 10: {  // a byte of the header text changed
            std::string text = b.header_text();
            const auto at = std::uniform_int_distribution<std::size_t>(0, text.size() - 1)(rng);
            static const std::string chars = "0123456789-e.\"{}[],:n \n\x01";
            text[at] = chars[rng() % chars.size()];
            what = "header byte " + std::to_string(at) + " changed";
            return BundleBytes::assemble(text, b.data);
        }
        default: {  // the header length prefix changed
            std::string bytes = BundleBytes::assemble(b.header_text(), b.data);
            bytes[rng() % 8] = static_cast<char>(rng());
            what = "header length changed";
            return bytes;
        }
    }
    return BundleBytes::assemble(b.header_text(), b.data);
}

bool one_line(const std::string& s) { return !s.empty() && s.find('\n') == std::string::npos; }

// The side rasters of a tile, so that the knowledge module and the SAR head run too.
struct Fixture {
    TempDir dir;
    lssr::sr::TileInput tile;
    lssr::sr::SideInputFiles aux;
    Fixture() {
        const auto hr = lssr::test::utm_grid(24, 24, 10.0);
        tile.lr = lssr::io::RasterBlock(6, 8, 8);
        for (std::size_t i = 0; i < tile.lr.data.size(); ++i) tile.lr.data[i] = 0.05f + 0.3f * float(i % 17) / 17.f;
        tile.window = {0, 0, 8, 8};
        tile.hr_grid = hr;
        aux.dem = dir.file("dem.tif");
        aux.s1 = dir.file("s1.tif");
        aux.month = 7;
        lssr::test::write_test_raster(aux.dem, hr, 1, GDT_Float32, [](int, int r, int c) { return 100 + r + c; });
        lssr::test::write_test_raster(aux.s1, hr, 2, GDT_Float32, [](int b, int r, int) { return -12.0 - b * 6 + r * 0.1; });
    }
};

// Loads and runs one file in-process; returns "" when all was well, else what went wrong.
std::string check_in_process(const std::string& path, Fixture& f) {
    lssr::sr::ModelChoice choice;
    choice.bundle = path;
    std::unique_ptr<lssr::sr::SrModel> model;
    try {
        model = std::move(lssr::sr::load_model(choice).model);
    } catch (const lssr::Error& e) {
        const std::string m = e.what();
        if (!one_line(m)) return "load error is not one line: " + m;
        if (m.find(path) == std::string::npos) return "load error does not name the file: " + m;
        return "";
    } catch (const std::exception& e) {
        return std::string("load threw a foreign exception: ") + e.what();
    }
    try {
        lssr::sr::SrTileModel tiles(*model, f.aux);
        const auto out = tiles.upscale({f.tile});
        if (out.size() != 1 || out[0].width != 24 || out[0].height != 24 || out[0].bands != 6) return "wrong output size";
        for (const float v : out[0].data)
            if (!std::isfinite(v)) return "non-finite output";
        return "";
    } catch (const lssr::Error& e) {
        return one_line(e.what()) ? "" : std::string("run error is not one line: ") + e.what();
    } catch (const std::exception& e) {
        return std::string("run threw a foreign exception: ") + e.what();
    }
}

}  // namespace

TEST_CASE("mutated bundles load and give finite output, or fail with one line naming the file",
          "[sr][bundle][fuzz]") {
    torch::set_num_threads(1);
    const auto original = BundleBytes::load(default_bundle());
    Fixture f;
    REQUIRE(check_in_process(default_bundle(), f).empty());
    std::mt19937 rng(20261201);
    const auto start = std::chrono::steady_clock::now();
    int loaded = 0;
    const int mutants = 300;
    for (int i = 0; i < mutants; ++i) {
        std::string what;
        const auto bytes = mutate(original, rng, what);
        const auto path = f.dir.file("mutant.safetensors");
        BundleBytes::write(path, bytes);
        const auto problem = check_in_process(path, f);
        INFO("mutant " << i << ": " << what);
        CHECK(problem == "");
        (void)loaded;
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    WARN(mutants << " mutants in " << seconds << " s");
}

TEST_CASE("mutated bundles through lssr-upscale: exit 0 or 1, at most one line, no output left behind",
          "[sr][bundle][fuzz]") {
    const auto original = BundleBytes::load(default_bundle());
    TempDir dir;
    std::mt19937 rng(7);
    for (int i = 0; i < 5; ++i) {
        std::string what;
        const auto model = dir.file("m" + std::to_string(i) + ".safetensors");
        BundleBytes::write(model, mutate(original, rng, what));
        const auto out = dir.file("sr" + std::to_string(i) + ".tif");
        const auto r = lssr::test::run_tool("lssr-upscale", {"--model", model, lssr::test::data_path("sd-tiny/lr.tif"),
                                                             "-o", out, "-q", "--threads", "1"});
        INFO("mutant " << i << ": " << what << "\n" << r.err);
        CHECK((r.exit_code == 0 || r.exit_code == 1));
        CHECK(std::count(r.err.begin(), r.err.end(), '\n') <= 1);
        if (r.exit_code != 0) CHECK_FALSE(fs::exists(out));
        // Nothing but the output (or nothing at all) is left in the folder: no temporary files.
        for (const auto& entry : fs::directory_iterator(dir.path())) {
            const auto name = entry.path().filename().string();
            CHECK((name.rfind("m", 0) == 0 || name.rfind("sr", 0) == 0));
            if (name.rfind("sr", 0) == 0) CHECK(name.find(".tif") == name.size() - 4);
        }
    }
}
