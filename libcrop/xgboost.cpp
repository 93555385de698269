#include "libcrop/xgboost.hpp"

#include <cmath>
#include <cstdint>
#include <utility>

#include "libio/core/errors.hpp"

namespace lssr::crop::xgb {

void check(int rc, const char* what) {
    if (rc == 0) return;
    std::string reason = XGBGetLastError();
    // XGBoost's messages carry a source location and a stack trace: keep the first line.
    const auto newline = reason.find('\n');
    if (newline != std::string::npos) reason.resize(newline);
    throw Error(std::string("XGBoost: ") + what + ": " + reason);
}

DMatrix::DMatrix(const float* data, size_t rows, size_t cols, int nthread) : rows_(rows) {
    check(XGDMatrixCreateFromMat_omp(data, rows, cols, NAN, &handle_, nthread), "creating a matrix");
}

DMatrix::~DMatrix() {
    if (handle_) XGDMatrixFree(handle_);
}

void DMatrix::set_float_info(const char* field, const std::vector<float>& values) {
    check(XGDMatrixSetFloatInfo(handle_, field, values.data(), values.size()), field);
}

Booster::Booster(const std::vector<const DMatrix*>& cache) {
    std::vector<DMatrixHandle> handles;
    for (const DMatrix* m : cache) handles.push_back(m->handle());
    check(XGBoosterCreate(handles.data(), handles.size(), &handle_), "creating a booster");
}

Booster::~Booster() {
    if (handle_) XGBoosterFree(handle_);
}

Booster::Booster(Booster&& other) noexcept : handle_(std::exchange(other.handle_, nullptr)) {}

Booster& Booster::operator=(Booster&& other) noexcept {
    if (this != &other) {
        if (handle_) XGBoosterFree(handle_);
        handle_ = std::exchange(other.handle_, nullptr);
    }
    return *this;
}

void Booster::set_param(const std::string& name, const std::string& value) {
    check(XGBoosterSetParam(handle_, name.c_str(), value.c_str()), ("parameter " + name).c_str());
}

void Booster::update(int iteration, const DMatrix& train) {
    check(XGBoosterUpdateOneIter(handle_, iteration, train.handle()), "training");
}

std::string Booster::evaluate(int iteration, const std::vector<const DMatrix*>& sets,
                              const std::vector<std::string>& names) {
    std::vector<DMatrixHandle> handles;
    std::vector<const char*> cnames;
    for (const DMatrix* m : sets) handles.push_back(m->handle());
    for (const auto& n : names) cnames.push_back(n.c_str());
    const char* out = nullptr;
    check(XGBoosterEvalOneIter(handle_, iteration, handles.data(), cnames.data(), handles.size(), &out),
          "evaluating");
    return out ? out : "";
}

void Booster::predict_into(const DMatrix& data, std::vector<float>& out) {
    bst_ulong length = 0;
    const float* result = nullptr;
    check(XGBoosterPredict(handle_, data.handle(), 0, 0, 0, &length, &result), "predicting");
    out.assign(result, result + length);
}

void Booster::predict_dense(const float* data, size_t rows, size_t cols, std::vector<float>& out) {
    // __array_interface__ of the block, as XGBoost's Python package passes it.
    const std::string array = "{\"data\": [" + std::to_string(reinterpret_cast<std::uintptr_t>(data)) +
                              ", true], \"shape\": [" + std::to_string(rows) + ", " + std::to_string(cols) +
                              "], \"typestr\": \"<f4\", \"version\": 3}";
    static const char* config =
        R"({"type": 0, "training": false, "iteration_begin": 0, "iteration_end": 0, "strict_shape": false, "missing": NaN, "cache_id": 0})";
    const bst_ulong* shape = nullptr;
    bst_ulong dims = 0;
    const float* result = nullptr;
    check(XGBoosterPredictFromDense(handle_, array.c_str(), config, nullptr, &shape, &dims, &result), "predicting");
    size_t length = 1;
    for (bst_ulong i = 0; i < dims; ++i) length *= shape[i];
    out.assign(result, result + length);
}

std::vector<float> Booster::predict(const DMatrix& data) {
    std::vector<float> out;
    predict_into(data, out);
    return out;
}

std::string Booster::save_json() const {
    bst_ulong length = 0;
    const char* data = nullptr;
    check(XGBoosterSaveModelToBuffer(handle_, R"({"format": "json"})", &length, &data), "saving the model");
    return std::string(data, length);
}

void Booster::load_json(const std::string& json) {
    check(XGBoosterLoadModelFromBuffer(handle_, json.data(), json.size()), "loading the model");
}

Booster Booster::slice(int rounds) const {
    BoosterHandle out = nullptr;
    check(XGBoosterSlice(handle_, 0, rounds, 1, &out), "slicing the model");
    return Booster(out);
}

int Booster::boosted_rounds() const {
    int rounds = 0;
    check(XGBoosterBoostedRounds(handle_, &rounds), "counting rounds");
    return rounds;
}

size_t Booster::num_features() const {
    bst_ulong n = 0;
    check(XGBoosterGetNumFeature(handle_, &n), "counting features");
    return n;
}

std::string Booster::config_json() const {
    bst_ulong length = 0;
    const char* data = nullptr;
    check(XGBoosterSaveJsonConfig(handle_, &length, &data), "reading the configuration");
    return std::string(data, length);
}

}  // namespace lssr::crop::xgb
