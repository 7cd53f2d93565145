// softmax over the last axis of a float32 matrix: params {"rows", "cols"}.
//   forward   inputs {X [rows, cols]}            output {Y [rows, cols]}, Y = exp(X) / Σ_row exp(X)
//   backward  inputs {X, dY [rows, cols]}        output {dX = Y·(dY - Σ_row dY·Y)}
#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "core/op_registry.h"
#include "core/ops/compare.h"
#include "core/ops/float32_bounds.h"
#include "core/ops/op_tensors.h"
#include "core/ops/params.h"
#include "core/ops/scaled_check.h"

namespace versus {
namespace {

constexpr int64_t kMaxDim = int64_t{1} << 26;

struct Shape {
  int64_t rows, cols;
};

Shape parse(const nlohmann::json& p) {
  const ParamReader r("softmax", p, {"rows", "cols"});
  const Shape s{r.size("rows", 1, kMaxDim), r.size("cols", 1, kMaxDim)};
  r.limit_elements(3.0 * static_cast<double>(s.rows) * static_cast<double>(s.cols),
                   fmt::format("--rows {} --cols {} (X, dY and dX in the backward pass)", s.rows, s.cols));
  return s;
}

// One row of softmax(X) in double: max-shifted so exp never overflows.
void softmax_row(const float* x, int64_t cols, double* s) {
  const double m = *std::max_element(x, x + cols);
  double sum = 0;
  for (int64_t j = 0; j < cols; ++j) sum += s[j] = std::exp(x[j] - m);
  for (int64_t j = 0; j < cols; ++j) s[j] /= sum;
}

class SoftmaxOp final : public OpDef {
 public:
  std::string name() const override { return "softmax"; }
  std::string description() const override {
    return "Y = softmax(X) over the last axis of [rows, cols]; backward: dX = Y·(dY - Σ_row dY·Y)";
  }
  void validate_params(const nlohmann::json& p) const override { parse(p); }
  std::string shape_label(const nlohmann::json& p) const override {
    const Shape s = parse(p);
    return fmt::format("r{}-c{}", s.rows, s.cols);
  }

  std::vector<HostTensor> make_inputs(const CaseSpec& c) const override {
    const Shape s = parse(c.params);
    // [-4, 4]: probabilities spread over e^8 ≈ 3000×, as trained logits are, without saturating.
    std::vector<HostTensor> in = {uniform_tensor("X", {s.rows, s.cols}, c.seed, 0, -4, 4)};
    if (c.direction == "backward") in.push_back(uniform_tensor("dY", {s.rows, s.cols}, c.seed, 1, -1, 1));
    return in;
  }

  std::vector<HostTensor> reference(const CaseSpec& c, const std::vector<HostTensor>& in) const override {
    const Shape s = parse(c.params);
    const bool backward = c.direction == "backward";
    const int64_t n = s.rows * s.cols;
    require_inputs(in, name(), backward ? std::vector<int64_t>{n, n} : std::vector<int64_t>{n});
    HostTensor out{backward ? "dX" : "Y", {s.rows, s.cols}, std::vector<float>(static_cast<size_t>(n))};
    std::vector<double> y(static_cast<size_t>(s.cols));
    for (int64_t i = 0; i < s.rows; ++i) {
      softmax_row(&in[0].data[i * s.cols], s.cols, y.data());
      float* o = &out.data[i * s.cols];
      if (!backward) {
        for (int64_t j = 0; j < s.cols; ++j) o[j] = static_cast<float>(y[j]);
        continue;
      }
      const float* dy = &in[1].data[i * s.cols];
      double dot = 0;
      for (int64_t j = 0; j < s.cols; ++j) dot += dy[j] * y[j];
      for (int64_t j = 0; j < s.cols; ++j) o[j] = static_cast<float>(y[j] * (dy[j] - dot));
    }
    return {std::move(out)};
  }

  Validation check(const CaseSpec& c, const std::vector<HostTensor>& in, const std::vector<HostTensor>& refs,
                   const std::vector<std::vector<float>>& results) const override {
    const Shape s = parse(c.params);
    // Forward: Y_j = exp(X_j - max) / Σ exp, all terms positive, so Y_j's relative error is the
    // sum's, (cols-1)·2^-24 at worst, plus the exp and division.
    if (c.direction != "backward") return compare_outputs(refs, results, sum_tolerance(s.cols));
    // Backward: dX_j = Y_j·(dY_j - d) with d = Σ dY·Y cancels wherever dY_j ≈ d, so dX_j is
    // judged against Y_j·max_row|dY| instead of itself. With Y's relative error e <= the
    // forward tolerance, |error of d| <= max|dY|·(e + cols·2^-24) and |dY_j - d| <= 2·max|dY|,
    // so |error of dX_j| <= Y_j·max|dY|·(3e + cols·2^-24) < 4·sum_tolerance(cols) of the scale.
    ScaledOutput out{&refs.at(0), {}, 4 * sum_tolerance(s.cols)};
    out.scale.resize(static_cast<size_t>(s.rows * s.cols));
    std::vector<double> y(static_cast<size_t>(s.cols));
    for (int64_t i = 0; i < s.rows; ++i) {
      softmax_row(&in[0].data[i * s.cols], s.cols, y.data());
      const float* dy = &in[1].data[i * s.cols];
      double dy_max = 0;
      for (int64_t j = 0; j < s.cols; ++j) dy_max = std::max(dy_max, std::fabs(double(dy[j])));
      for (int64_t j = 0; j < s.cols; ++j) out.scale[i * s.cols + j] = y[j] * dy_max;
    }
    return check_scaled({out}, results, "|dX - ref| / (softmax(X)·max|dY| of the row)");
  }

  bool has_backward() const override { return true; }
  // Nominal: max, subtract, exp, sum and divide once per element.
  double flops(const nlohmann::json& p) const override {
    const Shape s = parse(p);
    return 5.0 * static_cast<double>(s.rows) * static_cast<double>(s.cols);
  }
  double bytes(const nlohmann::json& p) const override {
    const Shape s = parse(p);
    return 4.0 * 2 * static_cast<double>(s.rows) * static_cast<double>(s.cols);
  }
};

}  // namespace

const OpDef& softmax_op() {
  static const SoftmaxOp op;
  return op;
}

}  // namespace versus
