// Element-wise ops on float32 tensors of n elements. Their cost does not depend on how the
// elements are arranged, so one flat size describes them: params {"n": elements}.
//   add      Y = A + B            backward: dA = dY, dB = dY
//   mul      Y = A·B              backward: dA = dY·B, dB = dY·A
//   relu     Y = max(X, 0)        backward: dX = dY·[X > 0]
//   sigmoid  Y = 1 / (1 + e^-X)   backward: dX = dY·Y·(1 - Y)
//   tanh     Y = tanh(X)          backward: dX = dY·(1 - Y²)
// Forward inputs {A, B} or {X}, output {Y}. Backward inputs are those plus dY (shape of Y);
// outputs are the gradients of the inputs, in input order.
#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "core/op_registry.h"
#include "core/ops/compare.h"
#include "core/ops/float32_bounds.h"
#include "core/ops/op_tensors.h"
#include "core/ops/params.h"

namespace versus {
namespace {

constexpr int64_t kMaxElements = int64_t{1} << 30;

struct Kind {
  const char* name;
  const char* description;
  int arity;                 // 1: input X; 2: inputs A, B
  double flops_per_element;  // nominal: exp and division count one each, as + and ·
  float lo, hi;              // input range
  float zero_gap;            // no input lies closer than this to 0 (see kReluGap)
  double backward_tolerance;
  double (*forward)(double a, double b);  // b is unused when arity is 1
  void (*backward)(double a, double b, double dy, double* grads);
};

double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

// sigmoid and tanh gradients are computed from the float32 forward output as Y·(1-Y) and
// 1-Y², which cancels where the function saturates: Y's few-ulp error is amplified by
// Y/(1-Y) for sigmoid (<= e^4 ≈ 55 on [-4, 4]) and 2Y²/(1-Y²) for tanh (<= 27 on [-2, 2]).
// 55 × a few ulp stays under 1e-4; the ranges stop short of deep saturation for that reason.
constexpr double kSaturatingBackwardTolerance = 1e-4;

// relu's derivative at exactly 0 is a convention (0 in PyTorch and TensorFlow, but any value in
// [0, 1] is a valid subgradient), and a float32 input within rounding of 0 may land on either
// side in one framework and not another. Keeping every input at least 2e-3 from 0 makes the
// backward pass convention-free without changing its cost.
constexpr float kReluGap = 2e-3f;

const Kind kKinds[] = {
    {.name = "add",
     .description = "Y = A + B over n float32 elements; backward: dA = dY, dB = dY",
     .arity = 2,
     .flops_per_element = 1,
     .lo = -1,
     .hi = 1,
     .zero_gap = 0,
     .backward_tolerance = kElementwiseTolerance,
     .forward = [](double a, double b) { return a + b; },
     .backward = [](double, double, double dy, double* g) { g[0] = g[1] = dy; }},
    {.name = "mul",
     .description = "Y = A·B over n float32 elements; backward: dA = dY·B, dB = dY·A",
     .arity = 2,
     .flops_per_element = 1,
     .lo = -1,
     .hi = 1,
     .zero_gap = 0,
     .backward_tolerance = kElementwiseTolerance,
     .forward = [](double a, double b) { return a * b; },
     .backward =
         [](double a, double b, double dy, double* g) {
           g[0] = dy * b;
           g[1] = dy * a;
         }},
    {.name = "relu",
     .description = "Y = max(X, 0) over n float32 elements; backward: dX = dY·[X > 0]",
     .arity = 1,
     .flops_per_element = 1,
     .lo = -1,
     .hi = 1,
     .zero_gap = kReluGap,
     .backward_tolerance = kElementwiseTolerance,
     .forward = [](double x, double) { return std::max(x, 0.0); },
     .backward = [](double x, double, double dy, double* g) { g[0] = x > 0 ? dy : 0.0; }},
    {.name = "sigmoid",
     .description = "Y = 1/(1+exp(-X)) over n float32 elements; backward: dX = dY·Y·(1-Y)",
     .arity = 1,
     .flops_per_element = 4,
     .lo = -4,
     .hi = 4,
     .zero_gap = 0,
     .backward_tolerance = kSaturatingBackwardTolerance,
     .forward = [](double x, double) { return sigmoid(x); },
     .backward = [](double x, double, double dy, double* g) { g[0] = dy * sigmoid(x) * (1 - sigmoid(x)); }},
    // Flops as (e^2X - 1)/(e^2X + 1): a product, an exp, two sums and a division.
    {.name = "tanh",
     .description = "Y = tanh(X) over n float32 elements; backward: dX = dY·(1-Y²)",
     .arity = 1,
     .flops_per_element = 5,
     .lo = -2,
     .hi = 2,
     .zero_gap = 0,
     .backward_tolerance = kSaturatingBackwardTolerance,
     .forward = [](double x, double) { return std::tanh(x); },
     .backward = [](double x, double, double dy,
                    double* g) { g[0] = dy * (1 - std::tanh(x) * std::tanh(x)); }},
};

class ElementwiseOp final : public OpDef {
 public:
  explicit ElementwiseOp(const Kind& k) : k_(k) {}

  std::string name() const override { return k_.name; }
  std::string description() const override { return k_.description; }
  void validate_params(const nlohmann::json& p) const override { size(p); }
  std::string shape_label(const nlohmann::json& p) const override { return fmt::format("n{}", size(p)); }

  std::vector<HostTensor> make_inputs(const CaseSpec& c) const override {
    const int64_t n = size(c.params);
    std::vector<HostTensor> in;
    for (int i = 0; i < k_.arity; ++i)
      in.push_back(uniform_tensor(input_name(i), {n}, c.seed, static_cast<uint64_t>(i), k_.lo, k_.hi));
    for (float& x : in[0].data)
      if (std::fabs(x) < k_.zero_gap) x += std::copysign(k_.zero_gap, x);
    if (c.direction == "backward")
      in.push_back(uniform_tensor("dY", {n}, c.seed, static_cast<uint64_t>(k_.arity), -1, 1));
    return in;
  }

  std::vector<HostTensor> reference(const CaseSpec& c, const std::vector<HostTensor>& in) const override {
    const int64_t n = size(c.params);
    const bool backward = c.direction == "backward";
    require_inputs(in, k_.name, std::vector<int64_t>(static_cast<size_t>(k_.arity + (backward ? 1 : 0)), n));
    const float* a = in[0].data.data();
    const float* b = k_.arity == 2 ? in[1].data.data() : nullptr;
    if (!backward) {
      HostTensor y{"Y", {n}, std::vector<float>(static_cast<size_t>(n))};
      for (int64_t i = 0; i < n; ++i) y.data[i] = static_cast<float>(k_.forward(a[i], b ? b[i] : 0.0));
      return {std::move(y)};
    }
    const float* dy = in[static_cast<size_t>(k_.arity)].data.data();
    std::vector<HostTensor> grads;
    for (int i = 0; i < k_.arity; ++i)
      grads.push_back({fmt::format("d{}", input_name(i)), {n}, std::vector<float>(static_cast<size_t>(n))});
    double g[2];
    for (int64_t i = 0; i < n; ++i) {
      k_.backward(a[i], b ? b[i] : 0.0, dy[i], g);
      for (int j = 0; j < k_.arity; ++j) grads[j].data[i] = static_cast<float>(g[j]);
    }
    return grads;
  }

  Validation check(const CaseSpec& c, const std::vector<HostTensor>&, const std::vector<HostTensor>& refs,
                   const std::vector<std::vector<float>>& results) const override {
    return compare_outputs(refs, results,
                           c.direction == "backward" ? k_.backward_tolerance : kElementwiseTolerance);
  }

  bool has_backward() const override { return true; }
  double flops(const nlohmann::json& p) const override {
    return k_.flops_per_element * static_cast<double>(size(p));
  }
  double bytes(const nlohmann::json& p) const override {
    return 4.0 * static_cast<double>((k_.arity + 1) * size(p));
  }

 private:
  std::string input_name(int i) const { return k_.arity == 1 ? "X" : (i == 0 ? "A" : "B"); }

  int64_t size(const nlohmann::json& p) const {
    const ParamReader r(k_.name, p, {"n"});
    const int64_t n = r.size("n", 1, kMaxElements);
    const int tensors = 2 * k_.arity + 1;  // the backward pass: inputs, dY and one gradient per input
    r.limit_elements(static_cast<double>(tensors) * static_cast<double>(n),
                     fmt::format("--n {} ({} tensors of n float32 in the backward pass)", n, tensors));
    return n;
  }

  const Kind& k_;
};

const OpDef& op_of_kind(int i) {
  static const ElementwiseOp ops[] = {ElementwiseOp(kKinds[0]), ElementwiseOp(kKinds[1]),
                                      ElementwiseOp(kKinds[2]), ElementwiseOp(kKinds[3]),
                                      ElementwiseOp(kKinds[4])};
  return ops[i];
}

}  // namespace

const OpDef& add_op() { return op_of_kind(0); }
const OpDef& mul_op() { return op_of_kind(1); }
const OpDef& relu_op() { return op_of_kind(2); }
const OpDef& sigmoid_op() { return op_of_kind(3); }
const OpDef& tanh_op() { return op_of_kind(4); }

}  // namespace versus
