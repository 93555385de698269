#pragma once
// RAII ownership of XGBoost's C API handles. Every call is checked; a failure
// throws lssr::Error carrying XGBGetLastError()'s text.
#include <xgboost/c_api.h>

#include <cstddef>
#include <string>
#include <vector>

namespace lssr::crop::xgb {

// Throws lssr::Error("XGBoost: <what>: <last error>") when rc != 0.
void check(int rc, const char* what);

// A dense row-major float matrix; NaN marks a missing value.
class DMatrix {
public:
    DMatrix(const float* data, size_t rows, size_t cols, int nthread = 0);
    ~DMatrix();
    DMatrix(const DMatrix&) = delete;
    DMatrix& operator=(const DMatrix&) = delete;

    void set_float_info(const char* field, const std::vector<float>& values);
    DMatrixHandle handle() const { return handle_; }
    size_t rows() const { return rows_; }

private:
    DMatrixHandle handle_ = nullptr;
    size_t rows_ = 0;
};

class Booster {
public:
    // A new booster caching the given matrices (training and evaluation sets).
    explicit Booster(const std::vector<const DMatrix*>& cache = {});
    ~Booster();
    Booster(Booster&& other) noexcept;
    Booster& operator=(Booster&& other) noexcept;
    Booster(const Booster&) = delete;
    Booster& operator=(const Booster&) = delete;

    void set_param(const std::string& name, const std::string& value);
    void update(int iteration, const DMatrix& train);
    // XGBoost's evaluation line, e.g. "[3]\tvalid-mlogloss:0.41".
    std::string evaluate(int iteration, const std::vector<const DMatrix*>& sets,
                         const std::vector<std::string>& names);
    // Predicted values (rows x num_class for multi:softprob), copied out.
    std::vector<float> predict(const DMatrix& data);
    // Writes the predictions into `out` (resized), avoiding a copy per block.
    void predict_into(const DMatrix& data, std::vector<float>& out);
    // In-place prediction from a dense row-major array (NaN = missing): no
    // DMatrix is built, which saves a copy of every block.
    void predict_dense(const float* data, size_t rows, size_t cols, std::vector<float>& out);

    // XGBoost's own JSON model document.
    std::string save_json() const;
    void load_json(const std::string& json);
    // The first `rounds` boosting rounds as a new booster (early stopping).
    Booster slice(int rounds) const;

    int boosted_rounds() const;
    size_t num_features() const;
    // XGBoost's internal configuration (learner parameters) as JSON text.
    std::string config_json() const;

private:
    explicit Booster(BoosterHandle adopt) : handle_(adopt) {}
    BoosterHandle handle_ = nullptr;
};

}  // namespace lssr::crop::xgb
