#pragma once
// The suite's own safetensors reader (header + raw bytes; no LibTorch here).
// Format: u64 little-endian header length N, N bytes of JSON, then the data
// buffer. Every rule of the format is checked when the file is opened, so a
// truncated, oversized or inconsistent file is an InputError naming the file
// (and the tensor), never a crash or a read past the end.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace lssr::sr {

enum class Dtype { F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL };

// "F32" -> Dtype::F32; false when the name is not a dtype we read.
bool parse_dtype(const std::string& name, Dtype& out);
const char* dtype_name(Dtype dtype);
std::size_t dtype_size(Dtype dtype);

struct TensorInfo {
    std::string name;
    Dtype dtype = Dtype::F32;
    std::vector<int64_t> shape;
    uint64_t begin = 0;  // offsets relative to the data buffer, end exclusive
    uint64_t end = 0;
};

// Largest header the reader accepts (the format's own limit).
constexpr uint64_t kMaxHeaderBytes = 100'000'000;

struct SafetensorsHeader {
    std::map<std::string, std::string> metadata;
    std::vector<TensorInfo> tensors;  // in data-buffer order
};

// Validates a header against the size of the data buffer that follows it.
// `where` names the file in error messages. Throws lssr::InputError.
SafetensorsHeader parse_safetensors_header(const std::string& json_text, uint64_t data_bytes,
                                           const std::string& where);

class SafetensorsFile {
public:
    // Opens and validates the whole layout (reads only the header).
    explicit SafetensorsFile(std::string path);
    ~SafetensorsFile();
    SafetensorsFile(const SafetensorsFile&) = delete;
    SafetensorsFile& operator=(const SafetensorsFile&) = delete;

    const std::string& path() const { return path_; }
    const std::map<std::string, std::string>& metadata() const { return header_.metadata; }
    const std::vector<TensorInfo>& tensors() const { return header_.tensors; }
    // nullptr when absent.
    const TensorInfo* find(const std::string& name) const;
    // Copies the tensor's raw little-endian bytes to dst (info.end - info.begin bytes).
    void read_bytes(const TensorInfo& info, void* dst) const;

private:
    void read_exact(void* dst, uint64_t bytes, uint64_t offset, const std::string& tensor = {}) const;

    std::string path_;
    int fd_ = -1;
    uint64_t data_start_ = 0;
    SafetensorsHeader header_;
    std::map<std::string, std::size_t> index_;
};

}  // namespace lssr::sr
