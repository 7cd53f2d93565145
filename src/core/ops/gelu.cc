// gelu over n float32 elements: params {"n", "approximate": "none" | "tanh", "impl": "framework" |
// "composed"}.
//   none  Y = X·Φ(X) = X/2·(1 + erf(X/√2))                 (the GELU paper's definition)
//   tanh  Y = X/2·(1 + tanh(√(2/π)·(X + 0.044715·X³)))       (BERT's and GPT-2's approximation)
//   backward  inputs {X, dY}, output {dX = dY·dY/dX}
// "impl" is how the backend builds it: "framework" — the framework's own GELU, as its users call
// it (torch.nn.functional.gelu, gluon.nn.GELU, tf.nn.gelu, oneDNN's eltwise gelu); "composed" —
// the formula above from the framework's elementary ops (erf or tanh, multiplies, adds), so the
// report shows what a fused kernel buys.
#include "core/ops/gelu.h"

#include <cmath>

#include <fmt/format.h>

#include "core/op_registry.h"
#include "core/ops/compare.h"
#include "core/ops/op_tensors.h"
#include "core/ops/params.h"

namespace versus {
namespace {

constexpr int64_t kMaxElements = int64_t{1} << 30;

// The error budget: Y = X/2·(1 + erf) cancels for X -> -4, where 1 + erf(X/√2) is ~6e-5 while
// erf carries a few ulp of 1 (~2e-7), so the absolute error is a few 1e-7·|X|. Judged against
// |Y| + 1% of max|Y| (0.04 on [-4, 4]) that is ~1e-5; 1e-4 leaves a tenfold margin and still
// separates the two forms (they differ by up to 5e-3 of that scale near X = -2.3).
constexpr double kGeluTolerance = 1e-4, kGeluFloor = 1e-2;

using Params = GeluParams;
GeluParams parse(const nlohmann::json& p) { return parse_gelu_params(p); }

double gelu(double x, bool tanh_form) {
  if (!tanh_form) return 0.5 * x * (1 + std::erf(x / std::sqrt(2.0)));
  return 0.5 * x * (1 + std::tanh(kGeluSqrt2OverPi * (x + kGeluTanhCoeff * x * x * x)));
}

double gelu_derivative(double x, bool tanh_form) {
  if (!tanh_form) return 0.5 * (1 + std::erf(x / std::sqrt(2.0))) + x * std::exp(-x * x / 2) / std::sqrt(2 * M_PI);
  const double t = std::tanh(kGeluSqrt2OverPi * (x + kGeluTanhCoeff * x * x * x));
  return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * kGeluSqrt2OverPi * (1 + 3 * kGeluTanhCoeff * x * x);
}

class GeluOp final : public OpDef {
 public:
  std::string name() const override { return "gelu"; }
  std::string description() const override {
    return "Y = X·Φ(X) over n float32 elements (approximate=tanh: the tanh form; impl=composed: from "
           "elementary ops); backward: dX = dY·GELU'(X)";
  }
  void validate_params(const nlohmann::json& p) const override { parse(p); }
  std::string shape_label(const nlohmann::json& p) const override {
    const Params g = parse(p);
    return fmt::format("n{}{}{}", g.n, g.tanh ? "-tanh" : "", g.composed ? "-composed" : "");
  }

  std::vector<HostTensor> make_inputs(const CaseSpec& c) const override {
    const Params g = parse(c.params);
    // [-4, 4]: the curve's bend and both tails, where the two forms and a wrong formula differ.
    std::vector<HostTensor> in = {uniform_tensor("X", {g.n}, c.seed, 0, -4, 4)};
    if (c.direction == "backward") in.push_back(uniform_tensor("dY", {g.n}, c.seed, 1, -1, 1));
    return in;
  }

  std::vector<HostTensor> reference(const CaseSpec& c, const std::vector<HostTensor>& in) const override {
    const Params g = parse(c.params);
    const bool backward = c.direction == "backward";
    require_inputs(in, name(), backward ? std::vector<int64_t>{g.n, g.n} : std::vector<int64_t>{g.n});
    HostTensor out{backward ? "dX" : "Y", {g.n}, std::vector<float>(static_cast<size_t>(g.n))};
    for (int64_t i = 0; i < g.n; ++i) {
      const double x = in[0].data[i];
      out.data[i] = static_cast<float>(backward ? in[1].data[i] * gelu_derivative(x, g.tanh) : gelu(x, g.tanh));
    }
    return {std::move(out)};
  }

  Validation check(const CaseSpec&, const std::vector<HostTensor>&, const std::vector<HostTensor>& refs,
                   const std::vector<std::vector<float>>& results) const override {
    return compare_outputs(refs, results, kGeluTolerance, kGeluFloor);
  }

  bool has_backward() const override { return true; }
  // Nominal, per element: the erf form as x·0.5·(1 + erf(x·c)), 4 operations and an erf; the
  // tanh form 8 and a tanh (exp and division counted as one each, as elsewhere).
  double flops(const nlohmann::json& p) const override {
    const Params g = parse(p);
    return (g.tanh ? 9.0 : 5.0) * static_cast<double>(g.n);
  }
  double bytes(const nlohmann::json& p) const override { return 8.0 * static_cast<double>(parse(p).n); }
};

}  // namespace

GeluParams parse_gelu_params(const nlohmann::json& p) {
  const ParamReader r("gelu", p, {"n", "approximate", "impl"});
  const GeluParams g{r.size("n", 1, kMaxElements), r.choice("approximate", {"none", "tanh"}) == "tanh",
                     r.choice("impl", {"framework", "composed"}) == "composed"};
  r.limit_elements(3.0 * static_cast<double>(g.n), fmt::format("--n {} (X, dY and dX in the backward pass)", g.n));
  return g;
}

const OpDef& gelu_op() {
  static const GeluOp op;
  return op;
}

}  // namespace versus
