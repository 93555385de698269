#include "libsr/formats/safetensors.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>

#include "libio/core/error_text.hpp"
#include "libio/core/regular_file.hpp"

namespace lssr::sr {

namespace {

struct DtypeName {
    Dtype dtype;
    const char* name;
    std::size_t size;
};

constexpr DtypeName kDtypes[] = {
    {Dtype::F64, "F64", 8}, {Dtype::F32, "F32", 4}, {Dtype::F16, "F16", 2},
    {Dtype::BF16, "BF16", 2}, {Dtype::I64, "I64", 8}, {Dtype::I32, "I32", 4},
    {Dtype::I16, "I16", 2}, {Dtype::I8, "I8", 1}, {Dtype::U8, "U8", 1},
    {Dtype::BOOL, "BOOL", 1},
};

[[noreturn]] void fail(const std::string& where, const std::string& problem) {
    throw InputError(where + ": " + problem);
}

// Parses one tensor entry of the header.
TensorInfo parse_entry(const std::string& name, const nlohmann::json& entry, uint64_t data_bytes,
                       const std::string& where) {
    const std::string tensor = "tensor \"" + escape_control(name) + "\"";
    if (!entry.is_object()) fail(where, tensor + ": header entry is not an object");
    for (const char* key : {"dtype", "shape", "data_offsets"})
        if (!entry.contains(key)) fail(where, tensor + ": header entry has no " + key);

    TensorInfo info;
    info.name = name;
    const auto& dtype = entry["dtype"];
    if (!dtype.is_string() || !parse_dtype(dtype.get<std::string>(), info.dtype))
        fail(where, tensor + ": unsupported dtype " + dtype.dump());

    const auto& shape = entry["shape"];
    if (!shape.is_array()) fail(where, tensor + ": shape is not a list");
    uint64_t elements = 1;
    for (const auto& dim : shape) {
        if (!dim.is_number_unsigned()) fail(where, tensor + ": shape holds " + dim.dump());
        const uint64_t d = dim.get<uint64_t>();
        // No real tensor has more bytes than the buffer; stop before overflowing.
        if (d > static_cast<uint64_t>(INT64_MAX) || __builtin_mul_overflow(elements, d, &elements))
            fail(where, tensor + ": shape " + shape.dump() + " is too large");
        info.shape.push_back(static_cast<int64_t>(d));
    }

    const auto& offsets = entry["data_offsets"];
    if (!offsets.is_array() || offsets.size() != 2 || !offsets[0].is_number_unsigned() ||
        !offsets[1].is_number_unsigned())
        fail(where, tensor + ": data_offsets must be two non-negative integers, not " + offsets.dump());
    info.begin = offsets[0].get<uint64_t>();
    info.end = offsets[1].get<uint64_t>();
    if (info.begin > info.end)
        fail(where, tensor + ": data_offsets " + offsets.dump() + " begin after they end");
    if (info.end > data_bytes)
        fail(where, tensor + ": data_offsets " + offsets.dump() + " run past the " +
                        std::to_string(data_bytes) + "-byte data buffer");
    uint64_t bytes = 0;
    const bool overflow =
        __builtin_mul_overflow(elements, static_cast<uint64_t>(dtype_size(info.dtype)), &bytes);
    if (overflow || bytes != info.end - info.begin)
        fail(where, tensor + ": shape " + shape.dump() + " of " + dtype_name(info.dtype) + " needs " +
                        (overflow ? std::string("too many") : std::to_string(bytes)) +
                        " bytes but data_offsets hold " + std::to_string(info.end - info.begin));
    return info;
}

}  // namespace

bool parse_dtype(const std::string& name, Dtype& out) {
    for (const auto& d : kDtypes)
        if (name == d.name) {
            out = d.dtype;
            return true;
        }
    return false;
}

const char* dtype_name(Dtype dtype) {
    for (const auto& d : kDtypes)
        if (d.dtype == dtype) return d.name;
    return "?";
}

std::size_t dtype_size(Dtype dtype) {
    for (const auto& d : kDtypes)
        if (d.dtype == dtype) return d.size;
    return 0;
}

SafetensorsHeader parse_safetensors_header(const std::string& json_text, uint64_t data_bytes,
                                           const std::string& where) {
    const auto json = nlohmann::json::parse(json_text, nullptr, /*allow_exceptions=*/false);
    if (json.is_discarded()) fail(where, "safetensors header is not valid JSON");
    if (!json.is_object()) fail(where, "safetensors header is not a JSON object");

    SafetensorsHeader header;
    for (const auto& [name, entry] : json.items()) {
        if (name == "__metadata__") {
            if (!entry.is_object()) fail(where, "__metadata__ is not a string-to-string map");
            for (const auto& [key, value] : entry.items()) {
                if (!value.is_string())
                    fail(where, "__metadata__ value of \"" + escape_control(key) + "\" is not a string");
                header.metadata[key] = value.get<std::string>();
            }
            continue;
        }
        header.tensors.push_back(parse_entry(name, entry, data_bytes, where));
    }

    // The data must be one contiguous run covering the buffer exactly.
    auto& t = header.tensors;
    std::sort(t.begin(), t.end(), [](const TensorInfo& a, const TensorInfo& b) {
        return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
    });
    uint64_t at = 0;
    for (const auto& info : t) {
        const std::string tensor = "tensor \"" + escape_control(info.name) + "\"";
        if (info.begin < at) fail(where, tensor + " overlaps the tensor before it");
        if (info.begin > at)
            fail(where, tensor + " leaves a gap of " + std::to_string(info.begin - at) +
                            " bytes before it in the data buffer");
        at = info.end;
    }
    if (at != data_bytes)
        fail(where, "the data buffer has " + std::to_string(data_bytes - at) +
                        " bytes that no tensor covers");
    return header;
}

SafetensorsFile::SafetensorsFile(std::string path) : path_(std::move(path)) {
    // stat() first: open() on a FIFO blocks until a writer comes. O_NONBLOCK
    // (no effect on regular files) covers a path swapped in between.
    io::require_regular_file(path_);
    fd_ = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd_ < 0) fail(path_, std::string("cannot open: ") + std::strerror(errno));
    try {
        struct stat st {};
        if (::fstat(fd_, &st) != 0) fail(path_, std::string("cannot stat: ") + std::strerror(errno));
        if (!S_ISREG(st.st_mode)) fail(path_, "not a regular file");
        const auto file_size = static_cast<uint64_t>(st.st_size);
        if (file_size < 8)
            fail(path_, "too short for a safetensors file (" + std::to_string(file_size) + " bytes)");
        unsigned char prefix[8];
        read_exact(prefix, 8, 0);
        uint64_t header_bytes = 0;
        for (int i = 7; i >= 0; --i) header_bytes = (header_bytes << 8) | prefix[i];
        if (header_bytes > kMaxHeaderBytes)
            fail(path_, "safetensors header length " + std::to_string(header_bytes) +
                            " exceeds the 100 MB limit");
        if (header_bytes > file_size - 8)
            fail(path_, "safetensors header length " + std::to_string(header_bytes) +
                            " runs past the end of the " + std::to_string(file_size) + "-byte file (truncated?)");
        std::string text(header_bytes, '\0');
        read_exact(text.data(), header_bytes, 8);
        data_start_ = 8 + header_bytes;
        header_ = parse_safetensors_header(text, file_size - data_start_, path_);
        for (std::size_t i = 0; i < header_.tensors.size(); ++i) index_[header_.tensors[i].name] = i;
    } catch (...) {
        ::close(fd_);
        throw;
    }
}

SafetensorsFile::~SafetensorsFile() {
    if (fd_ >= 0) ::close(fd_);
}

const TensorInfo* SafetensorsFile::find(const std::string& name) const {
    const auto it = index_.find(name);
    return it == index_.end() ? nullptr : &header_.tensors[it->second];
}

void SafetensorsFile::read_bytes(const TensorInfo& info, void* dst) const {
    read_exact(dst, info.end - info.begin, data_start_ + info.begin, info.name);
}

void SafetensorsFile::read_exact(void* dst, uint64_t bytes, uint64_t offset, const std::string& tensor) const {
    auto* out = static_cast<char*>(dst);
    while (bytes > 0) {
        const ssize_t got = ::pread(fd_, out, std::min<uint64_t>(bytes, 1u << 30), static_cast<off_t>(offset));
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0)
            fail(path_, (tensor.empty() ? std::string() : "tensor \"" + escape_control(tensor) + "\": ") +
                            (got < 0 ? std::string("read error: ") + std::strerror(errno)
                                     : std::string("file ends early (truncated?)")));
        out += got;
        bytes -= static_cast<uint64_t>(got);
        offset += static_cast<uint64_t>(got);
    }
}

}  // namespace lssr::sr
