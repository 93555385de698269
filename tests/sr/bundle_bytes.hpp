#pragma once
// A safetensors file taken apart for editing in tests: the header as JSON
// (key order kept) and the data buffer as bytes; put back together by save().
#include <cstdint>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

namespace lssr::test {

struct BundleBytes {
    nlohmann::ordered_json header;
    std::string data;

    static BundleBytes load(const std::string& path) {
        std::ifstream in(path, std::ios::binary);
        const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        if (bytes.size() < 8) throw std::runtime_error(path + ": too short");
        uint64_t n = 0;
        for (int i = 7; i >= 0; --i) n = (n << 8) | static_cast<unsigned char>(bytes[i]);
        BundleBytes b;
        b.header = nlohmann::ordered_json::parse(bytes.substr(8, n));
        b.data = bytes.substr(8 + n);
        return b;
    }

    // The header text as written (what a mutation of the raw text starts from).
    std::string header_text() const { return header.dump(); }

    static std::string assemble(const std::string& header_text, const std::string& data) {
        std::string out(8, '\0');
        uint64_t n = header_text.size();
        for (int i = 0; i < 8; ++i, n >>= 8) out[i] = static_cast<char>(n & 0xff);
        return out + header_text + data;
    }

    void save(const std::string& path) const { write(path, assemble(header_text(), data)); }

    static void write(const std::string& path, const std::string& bytes) {
        std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
    }

    // One metadata value (a string), and the JSON held in one.
    // The metadata value of `key`, created empty when the bundle has none.
    std::string& meta(const std::string& key) {
        auto& value = header["__metadata__"][key];
        if (value.is_null()) value = std::string();
        return value.get_ref<std::string&>();
    }
    nlohmann::ordered_json meta_json(const std::string& key) const {
        return nlohmann::ordered_json::parse(header["__metadata__"][key].get<std::string>());
    }
    void set_meta_json(const std::string& key, const nlohmann::ordered_json& j) {
        header["__metadata__"][key] = j.dump();
    }
};

}  // namespace lssr::test
