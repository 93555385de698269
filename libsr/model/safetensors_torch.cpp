#include "libsr/model/safetensors_torch.hpp"

#include <torch/torch.h>

#include <fstream>
#include <sstream>
#include <nlohmann/json.hpp>

#include "libio/core/error_text.hpp"
#include "libio/gdal/staged_output.hpp"

namespace lssr::sr {

namespace {

torch::ScalarType scalar_type(Dtype dtype) {
    switch (dtype) {
        case Dtype::F64: return torch::kFloat64;
        case Dtype::F32: return torch::kFloat32;
        case Dtype::F16: return torch::kFloat16;
        case Dtype::BF16: return torch::kBFloat16;
        case Dtype::I64: return torch::kInt64;
        case Dtype::I32: return torch::kInt32;
        case Dtype::I16: return torch::kInt16;
        case Dtype::I8: return torch::kInt8;
        case Dtype::U8: return torch::kUInt8;
        case Dtype::BOOL: return torch::kUInt8;  // any non-zero byte is true, read as bytes first
    }
    return torch::kUInt8;
}

}  // namespace

at::Tensor load_float_tensor(const SafetensorsFile& file, const TensorInfo& info) {
    // Read into an aligned tensor of the stored type (the buffer may be unaligned), then convert.
    auto raw = torch::empty(info.shape, torch::TensorOptions().dtype(scalar_type(info.dtype)));
    file.read_bytes(info, raw.data_ptr());
    if (info.dtype == Dtype::BOOL) return raw.ne(0).to(torch::kFloat32);
    return info.dtype == Dtype::F32 ? raw : raw.to(torch::kFloat32);
}

at::Tensor load_float_tensor(const SafetensorsFile& file, const std::string& name) {
    const TensorInfo* info = file.find(name);
    if (!info) throw InputError(file.path() + ": no tensor \"" + name + "\"");
    return load_float_tensor(file, *info);
}

void check_weight_dtype(const SafetensorsFile& file, const TensorInfo& info) {
    const auto d = info.dtype;
    if (d == Dtype::F32 || d == Dtype::F16 || d == Dtype::BF16 || d == Dtype::F64) return;
    throw InputError(file.path() + ": tensor \"" + escape_control(info.name) + "\" is " + dtype_name(d) +
                     ", but a weight must be F32, F16, BF16 or F64");
}

void check_weight_values(const SafetensorsFile& file, const TensorInfo& info, const at::Tensor& values) {
    if (values.numel() == 0) return;
    const auto where = [&] { return file.path() + ": tensor \"" + escape_control(info.name) + "\""; };
    if (!torch::isfinite(values).all().item<bool>()) throw InputError(where() + " holds NaN or infinite values");
    const double peak = values.abs().max().item<double>();
    if (peak > kMaxWeightMagnitude) {
        std::ostringstream o;
        o << where() << " holds the value " << peak << ", beyond the " << kMaxWeightMagnitude
          << " no trained weight reaches (a damaged file?)";
        throw InputError(o.str());
    }
}

at::Tensor load_weight_tensor(const SafetensorsFile& file, const TensorInfo& info) {
    check_weight_dtype(file, info);
    auto t = load_float_tensor(file, info);
    check_weight_values(file, info, t);
    return t;
}

void write_safetensors(const std::string& path, const NamedTensors& tensors,
                       const std::map<std::string, std::string>& metadata,
                       const SafetensorsWriteOptions& options) {
    if (options.dtype != Dtype::F32 && options.dtype != Dtype::F16)
        throw OutputError(path + ": safetensors output supports F32 and F16 only");
    const auto type = options.dtype == Dtype::F32 ? torch::kFloat32 : torch::kFloat16;

    std::vector<at::Tensor> data;
    nlohmann::ordered_json header = nlohmann::ordered_json::object();
    if (!metadata.empty()) header["__metadata__"] = metadata;
    uint64_t offset = 0;
    for (const auto& [name, tensor] : tensors) {
        if (name == "__metadata__" || header.contains(name))
            throw OutputError(path + ": tensor name \"" + name + "\" is reserved or repeated");
        auto t = tensor.detach().to(torch::kCPU).to(type).contiguous();
        const uint64_t bytes = static_cast<uint64_t>(t.numel()) * t.element_size();
        header[name] = {{"dtype", dtype_name(options.dtype)},
                        {"shape", t.sizes().vec()},
                        {"data_offsets", {offset, offset + bytes}}};
        offset += bytes;
        data.push_back(std::move(t));
    }
    std::string text = header.dump();
    // Pad with spaces so the data buffer starts 8-byte aligned, as the format's writers do.
    text.append((8 - text.size() % 8) % 8, ' ');

    io::StagedFile staged(path, options.overwrite);
    {
        std::ofstream out(staged.temp_path(), std::ios::binary);
        if (!out) throw OutputError(path + ": cannot create " + staged.temp_path());
        unsigned char prefix[8];
        uint64_t n = text.size();
        for (int i = 0; i < 8; ++i, n >>= 8) prefix[i] = static_cast<unsigned char>(n & 0xff);
        out.write(reinterpret_cast<const char*>(prefix), 8);
        out.write(text.data(), static_cast<std::streamsize>(text.size()));
        for (const auto& t : data)
            out.write(static_cast<const char*>(t.data_ptr()), static_cast<std::streamsize>(t.numel() * t.element_size()));
        out.flush();
        if (!out) throw OutputError(path + ": write failed (disk full?)");
    }
    staged.commit();
}

}  // namespace lssr::sr
