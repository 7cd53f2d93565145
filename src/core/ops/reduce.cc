// Row reductions of a float32 matrix: params {"rows", "cols"}.
//   reduce_sum   forward  inputs {X [rows, cols]}  output {Y [rows]}, Y_i = Σ_j X_ij
//                backward inputs {X, dY [rows]}    output {dX [rows, cols]}, dX_ij = dY_i
//   reduce_mean  as reduce_sum with Y_i = Σ_j X_ij / cols and dX_ij = dY_i / cols
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

class ReduceOp final : public OpDef {
 public:
  explicit ReduceOp(bool mean) : mean_(mean) {}

  std::string name() const override { return mean_ ? "reduce_mean" : "reduce_sum"; }
  std::string description() const override {
    return mean_ ? "Y = mean of each row of X [rows, cols]; backward: dX = dY / cols broadcast along rows"
                 : "Y = sum of each row of X [rows, cols]; backward: dX = dY broadcast along rows";
  }
  void validate_params(const nlohmann::json& p) const override { parse(p); }
  std::string shape_label(const nlohmann::json& p) const override {
    const Shape s = parse(p);
    return fmt::format("r{}-c{}", s.rows, s.cols);
  }

  std::vector<HostTensor> make_inputs(const CaseSpec& c) const override {
    const Shape s = parse(c.params);
    std::vector<HostTensor> in = {uniform_tensor("X", {s.rows, s.cols}, c.seed, 0, -1, 1)};
    if (c.direction == "backward") in.push_back(uniform_tensor("dY", {s.rows}, c.seed, 1, -1, 1));
    return in;
  }

  std::vector<HostTensor> reference(const CaseSpec& c, const std::vector<HostTensor>& in) const override {
    const Shape s = parse(c.params);
    const double divisor = mean_ ? static_cast<double>(s.cols) : 1.0;
    if (c.direction == "backward") {
      require_inputs(in, name(), {s.rows * s.cols, s.rows});
      HostTensor dx{"dX", {s.rows, s.cols}, std::vector<float>(static_cast<size_t>(s.rows * s.cols))};
      for (int64_t i = 0; i < s.rows; ++i) {
        const auto g = static_cast<float>(in[1].data[i] / divisor);
        for (int64_t j = 0; j < s.cols; ++j) dx.data[i * s.cols + j] = g;
      }
      return {std::move(dx)};
    }
    require_inputs(in, name(), {s.rows * s.cols});
    HostTensor y{"Y", {s.rows}, std::vector<float>(static_cast<size_t>(s.rows))};
    for (int64_t i = 0; i < s.rows; ++i) {
      double sum = 0;
      for (int64_t j = 0; j < s.cols; ++j) sum += in[0].data[i * s.cols + j];
      y.data[i] = static_cast<float>(sum / divisor);
    }
    return {std::move(y)};
  }

  Validation check(const CaseSpec& c, const std::vector<HostTensor>& in, const std::vector<HostTensor>& refs,
                   const std::vector<std::vector<float>>& results) const override {
    const Shape s = parse(c.params);
    // Backward is a broadcast, at most one division per element.
    if (c.direction == "backward") return compare_outputs(refs, results, kElementwiseTolerance);
    // A row sum may cancel to near 0, so its error is judged against Σ|X| of the row, the scale
    // of the float32 summation bound (cols-1)·2^-24·Σ|X| that holds in any summation order.
    const double divisor = mean_ ? static_cast<double>(s.cols) : 1.0;
    ScaledOutput out{&refs.at(0), std::vector<double>(static_cast<size_t>(s.rows)), sum_tolerance(s.cols)};
    for (int64_t i = 0; i < s.rows; ++i) {
      double abs_sum = 0;
      for (int64_t j = 0; j < s.cols; ++j) abs_sum += std::fabs(in[0].data[i * s.cols + j]);
      out.scale[i] = abs_sum / divisor;
    }
    return check_scaled({out}, results,
                        mean_ ? "|Y - ref| / (Σ|X| / cols of the row)" : "|Y - ref| / Σ|X| of the row");
  }

  bool has_backward() const override { return true; }
  // Nominal: one add per element, plus one division per row for the mean.
  double flops(const nlohmann::json& p) const override {
    const Shape s = parse(p);
    return static_cast<double>(s.rows) * static_cast<double>(s.cols) +
           (mean_ ? static_cast<double>(s.rows) : 0.0);
  }
  double bytes(const nlohmann::json& p) const override {
    const Shape s = parse(p);
    return 4.0 * (static_cast<double>(s.rows) * static_cast<double>(s.cols) + static_cast<double>(s.rows));
  }

 private:
  Shape parse(const nlohmann::json& p) const {
    const ParamReader r(name(), p, {"rows", "cols"});
    const Shape s{r.size("rows", 1, kMaxDim), r.size("cols", 1, kMaxDim)};
    r.limit_elements(
        2.0 * static_cast<double>(s.rows) * static_cast<double>(s.cols) + static_cast<double>(s.rows),
        fmt::format("--rows {} --cols {} (X, dY and dX in the backward pass)", s.rows, s.cols));
    return s;
  }

  bool mean_;
};

}  // namespace

const OpDef& reduce_sum_op() {
  static const ReduceOp op(false);
  return op;
}

const OpDef& reduce_mean_op() {
  static const ReduceOp op(true);
  return op;
}

}  // namespace versus
