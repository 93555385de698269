// The suite's own safetensors reader must refuse every malformed file with an
// InputError naming the file (and tensor), never crash or read past the end.
#include <catch2/catch.hpp>
#include <torch/torch.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "libio/core/errors.hpp"
#include "libsr/formats/safetensors.hpp"
#include "libsr/model/safetensors_torch.hpp"
#include "support.hpp"

using lssr::InputError;
using lssr::sr::SafetensorsFile;
using lssr::test::TempDir;

namespace {

std::string le64(uint64_t n) {
    std::string s(8, '\0');
    for (int i = 0; i < 8; ++i, n >>= 8) s[i] = static_cast<char>(n & 0xff);
    return s;
}

// A file made of the 8-byte length of `header`, the header and `data`.
std::string write_raw(const TempDir& dir, const std::string& header, const std::string& data,
                      const std::string& name = "t.safetensors") {
    const auto path = dir.file(name);
    std::ofstream(path, std::ios::binary) << le64(header.size()) << header << data;
    return path;
}

std::string write_bytes(const TempDir& dir, const std::string& bytes) {
    const auto path = dir.file("raw.safetensors");
    std::ofstream(path, std::ios::binary) << bytes;
    return path;
}

// Opening must fail with a message that names the file and contains `what`.
void require_rejected(const std::string& path, const std::string& what) {
    try {
        SafetensorsFile file(path);
        FAIL("accepted: " << path);
    } catch (const InputError& e) {
        const std::string message = e.what();
        INFO(message);
        CHECK(message.rfind(path + ": ", 0) == 0);
        CHECK(message.find(what) != std::string::npos);
        CHECK(message.find('\n') == std::string::npos);
    }
}

std::string floats(std::initializer_list<float> values) {
    std::string s;
    for (float v : values) s.append(reinterpret_cast<const char*>(&v), sizeof v);
    return s;
}

}  // namespace

TEST_CASE("safetensors: a valid file reads back every dtype as float32", "[sr][safetensors]") {
    TempDir dir;
    const uint16_t half_one_and_half = 0x3E00;  // 1.5 in IEEE half
    const uint16_t bf16_minus_two = 0xC000;     // -2.0 in bfloat16
    std::string data = floats({1.f, 2.f, 3.f, 4.f});                                  // 16 bytes F32 [2,2]
    data.append(reinterpret_cast<const char*>(&half_one_and_half), 2);               // F16 [1]
    data.append(reinterpret_cast<const char*>(&bf16_minus_two), 2);                  // BF16 [1]
    const double d = 0.25;
    data.append(reinterpret_cast<const char*>(&d), 8);                               // F64 [1]
    const int64_t i64 = -7;
    data.append(reinterpret_cast<const char*>(&i64), 8);                             // I64 [1]
    data += std::string("\x05\xff", 2);                                              // U8 [2]: 5, 255
    data += std::string("\xfe", 1);                                                  // I8 [1]: -2
    data += std::string("\x00\x02", 2);                                              // BOOL [2]
    const std::string header =
        R"({"__metadata__":{"format":"pt"},)"
        R"("a":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]},)"
        R"("h":{"dtype":"F16","shape":[1],"data_offsets":[16,18]},)"
        R"("b":{"dtype":"BF16","shape":[1],"data_offsets":[18,20]},)"
        R"("d":{"dtype":"F64","shape":[],"data_offsets":[20,28]},)"
        R"("i":{"dtype":"I64","shape":[1],"data_offsets":[28,36]},)"
        R"("u":{"dtype":"U8","shape":[2],"data_offsets":[36,38]},)"
        R"("s":{"dtype":"I8","shape":[1],"data_offsets":[38,39]},)"
        R"("z":{"dtype":"BOOL","shape":[2],"data_offsets":[39,41]},)"
        R"("e":{"dtype":"F32","shape":[0,3],"data_offsets":[41,41]}}   )";  // trailing spaces are allowed
    SafetensorsFile file(write_raw(dir, header, data));
    CHECK(file.metadata().at("format") == "pt");
    CHECK(file.tensors().size() == 9);
    using lssr::sr::load_float_tensor;
    CHECK(torch::equal(load_float_tensor(file, "a"), torch::tensor({1.f, 2.f, 3.f, 4.f}).view({2, 2})));
    CHECK(load_float_tensor(file, "h").item<float>() == 1.5f);
    CHECK(load_float_tensor(file, "b").item<float>() == -2.f);
    CHECK(load_float_tensor(file, "d").dim() == 0);
    CHECK(load_float_tensor(file, "d").item<float>() == 0.25f);
    CHECK(load_float_tensor(file, "i").item<float>() == -7.f);
    CHECK(torch::equal(load_float_tensor(file, "u"), torch::tensor({5.f, 255.f})));
    CHECK(load_float_tensor(file, "s").item<float>() == -2.f);
    CHECK(torch::equal(load_float_tensor(file, "z"), torch::tensor({0.f, 1.f})));
    CHECK(load_float_tensor(file, "e").sizes() == torch::IntArrayRef({0, 3}));
    CHECK(load_float_tensor(file, "a").scalar_type() == torch::kFloat32);
    CHECK_THROWS_AS(load_float_tensor(file, "nope"), InputError);
}

TEST_CASE("safetensors: malformed headers are rejected with the file and tensor named", "[sr][safetensors]") {
    TempDir dir;
    const std::string four = floats({1.f});
    const std::string ok_entry = R"("w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]})";

    SECTION("shorter than 8 bytes") { require_rejected(write_bytes(dir, "abc"), "too short"); }
    SECTION("empty file") { require_rejected(write_bytes(dir, ""), "too short"); }
    SECTION("header length past the end of the file") {
        require_rejected(write_bytes(dir, le64(1000) + "{}"), "runs past the end");
    }
    SECTION("header length above 100 MB") {
        require_rejected(write_bytes(dir, le64(100'000'001) + "{}"), "100 MB");
    }
    SECTION("header length near 2^64 does not wrap around") {
        require_rejected(write_bytes(dir, le64(~uint64_t{0}) + "{}"), "100 MB");
    }
    SECTION("not JSON") { require_rejected(write_raw(dir, "{\"w\": [", four), "not valid JSON"); }
    SECTION("JSON but not an object") { require_rejected(write_raw(dir, "[1, 2]", four), "not a JSON object"); }
    SECTION("entry without dtype") {
        require_rejected(write_raw(dir, R"({"w":{"shape":[1],"data_offsets":[0,4]}})", four), "\"w\": header entry has no dtype");
    }
    SECTION("entry without shape") {
        require_rejected(write_raw(dir, R"({"w":{"dtype":"F32","data_offsets":[0,4]}})", four), "no shape");
    }
    SECTION("entry without data_offsets") {
        require_rejected(write_raw(dir, R"({"w":{"dtype":"F32","shape":[1]}})", four), "no data_offsets");
    }
    SECTION("entry that is not an object") { require_rejected(write_raw(dir, R"({"w":3})", four), "\"w\""); }
    SECTION("unknown dtype") {
        require_rejected(write_raw(dir, R"({"w":{"dtype":"F128","shape":[1],"data_offsets":[0,4]}})", four),
                         "unsupported dtype");
    }
    SECTION("negative dimension") {
        require_rejected(write_raw(dir, R"({"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}})", four), "shape");
    }
    SECTION("dimensions whose product overflows") {
        require_rejected(
            write_raw(dir, R"({"w":{"dtype":"F32","shape":[4294967296,4294967296,16],"data_offsets":[0,4]}})", four),
            "too large");
    }
    SECTION("offsets past the buffer") {
        require_rejected(write_raw(dir, R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[0,8]}})", four),
                         "run past");
    }
    SECTION("begin after end") {
        require_rejected(write_raw(dir, R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[4,0]}})", four),
                         "begin after");
    }
    SECTION("offsets that are not two integers") {
        require_rejected(write_raw(dir, R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[0]}})", four),
                         "data_offsets");
        require_rejected(write_raw(dir, R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[0.0,4]}})", four),
                         "data_offsets");
    }
    SECTION("shape that does not match the byte length") {
        require_rejected(write_raw(dir, R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}})", four),
                         "needs 8 bytes");
    }
    SECTION("overlapping tensors") {
        require_rejected(write_raw(dir,
                                   R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                                   R"("b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",
                                   floats({1.f, 2.f})),
                         "overlaps");
    }
    SECTION("a gap between tensors") {
        require_rejected(write_raw(dir,
                                   R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
                                   R"("b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}})",
                                   floats({1.f, 2.f, 3.f})),
                         "gap");
    }
    SECTION("bytes after the last tensor") {
        require_rejected(write_raw(dir, "{" + ok_entry + "}", floats({1.f, 2.f})), "no tensor covers");
    }
    SECTION("__metadata__ that is not a string map") {
        require_rejected(write_raw(dir, R"({"__metadata__":{"n":1},)" + ok_entry + "}", four), "__metadata__");
        require_rejected(write_raw(dir, R"({"__metadata__":["x"],)" + ok_entry + "}", four), "__metadata__");
    }
}

TEST_CASE("safetensors: a real model file truncated anywhere is refused", "[sr][safetensors]") {
    TempDir dir;
    const auto source = lssr::test::data_path("sd-tiny/base/vae/diffusion_pytorch_model.safetensors");
    const auto size = std::filesystem::file_size(source);
    std::string bytes(size, '\0');
    std::ifstream(source, std::ios::binary).read(bytes.data(), static_cast<std::streamsize>(size));
    REQUIRE_NOTHROW(SafetensorsFile(source));
    for (const std::size_t cut : {std::size_t{0}, std::size_t{5}, std::size_t{8}, std::size_t{100},
                                  std::size_t{5000}, size / 2, size - 1}) {
        INFO("cut at " << cut);
        const auto path = write_bytes(dir, bytes.substr(0, cut));
        CHECK_THROWS_AS(SafetensorsFile(path), InputError);
    }
}

TEST_CASE("safetensors: the writer round-trips tensors and metadata atomically", "[sr][safetensors]") {
    TempDir dir;
    const auto path = dir.file("out.safetensors");
    const auto a = torch::arange(12, torch::kFloat32).view({3, 4}) / 7;
    const auto b = torch::tensor({-1.5f, 2.25f});
    const auto scalar = torch::tensor(3.f);
    lssr::sr::write_safetensors(path, {{"layer.a", a}, {"b", b}, {"s", scalar}}, {{"architecture", "sd"}});

    SafetensorsFile file(path);
    CHECK(file.metadata().at("architecture") == "sd");
    CHECK((std::filesystem::file_size(path) - 8 - 4 * 15) % 8 == 0);  // header padded to 8 bytes
    CHECK(torch::equal(lssr::sr::load_float_tensor(file, "layer.a"), a));
    CHECK(torch::equal(lssr::sr::load_float_tensor(file, "b"), b));
    CHECK(lssr::sr::load_float_tensor(file, "s").dim() == 0);
    CHECK(lssr::test::list_files(dir.path()) == std::vector<std::string>{"out.safetensors"});

    SECTION("an existing file is kept unless overwrite") {
        CHECK_THROWS_AS(lssr::sr::write_safetensors(path, {{"b", b}}, {}), lssr::OutputError);
        lssr::sr::SafetensorsWriteOptions options;
        options.overwrite = true;
        options.dtype = lssr::sr::Dtype::F16;
        lssr::sr::write_safetensors(path, {{"b", b}}, {}, options);
        SafetensorsFile half(path);
        CHECK(half.tensors().at(0).dtype == lssr::sr::Dtype::F16);
        CHECK(torch::equal(lssr::sr::load_float_tensor(half, "b"), b));
    }
}

TEST_CASE("safetensors: hostile headers (deep nesting, random byte flips) never crash the reader",
          "[sr][safetensors]") {
    TempDir dir;
    // A million nested lists: must be an error, not a stack overflow.
    require_rejected(write_raw(dir, std::string(1'000'000, '[') + std::string(1'000'000, ']'), ""),
                     "not a JSON object");

    const auto source = lssr::test::data_path("sd-tiny/base/unet/diffusion_pytorch_model.safetensors");
    const auto size = std::filesystem::file_size(source);
    std::string bytes(size, '\0');
    std::ifstream(source, std::ios::binary).read(bytes.data(), static_cast<std::streamsize>(size));
    uint64_t header = 0;
    for (int i = 7; i >= 0; --i) header = (header << 8) | static_cast<unsigned char>(bytes[i]);
    std::mt19937 rng(42);
    std::uniform_int_distribution<uint64_t> position(0, 8 + header - 1);
    std::uniform_int_distribution<int> value(0, 255);
    int refused = 0;
    for (int trial = 0; trial < 300; ++trial) {
        std::string mutated = bytes;
        for (int k = 0; k < 3; ++k) mutated[position(rng)] = static_cast<char>(value(rng));
        const auto path = write_bytes(dir, mutated);
        try {
            SafetensorsFile file(path);
            // Accepted: then every tensor must read without running off the file.
            for (const auto& info : file.tensors()) lssr::sr::load_float_tensor(file, info);
        } catch (const InputError& e) {
            // Refused: with one line that names the file, as every input error.
            ++refused;
            const std::string message = e.what();
            CHECK(message.rfind(path + ": ", 0) == 0);
            CHECK(message.find('\n') == std::string::npos);
        }
    }
    // Three random bytes of a JSON header break it more often than not.
    CHECK(refused > 150);
}
