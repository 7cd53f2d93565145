// sgd_update (sgd_update.h) with a float64 reference. Error metric: each element's error over the
// sum of its terms' magnitudes (W: |W| + lr·(μ|V| + |G|); V: μ|V| + |G|). Two float32 roundings per
// term are expected; MXNet's conversion of V to its −lr·V form and back adds three more.
#include "core/ops/sgd_update.h"

#include <cmath>

#include <fmt/format.h>

#include "core/op_registry.h"
#include "core/ops/op_tensors.h"
#include "core/ops/params.h"
#include "core/ops/scaled_check.h"

namespace versus {
namespace {

constexpr double kTolerance = 8 * kUnitRoundoff;

class SgdUpdateOp final : public OpDef {
 public:
  std::string name() const override { return "sgd_update"; }
  std::string description() const override {
    return "one SGD update of n float32 parameters, in place (momentum: V = 0.9·V + G, W -= 0.01·V; else W -= "
           "0.01·G), the framework's own optimizer update";
  }
  void validate_params(const nlohmann::json& p) const override { parse_sgd_update_params(p); }
  std::string shape_label(const nlohmann::json& p) const override {
    const SgdUpdateParams q = parse_sgd_update_params(p);
    return fmt::format("n{}{}", q.n, q.momentum ? "-momentum" : "");
  }

  std::vector<HostTensor> make_inputs(const CaseSpec& c) const override {
    const SgdUpdateParams q = parse_sgd_update_params(c.params);
    std::vector<HostTensor> in = {uniform_tensor("W", {q.n}, c.seed, 0, -1, 1), uniform_tensor("G", {q.n}, c.seed, 1, -1, 1)};
    if (q.momentum) in.push_back(uniform_tensor("V", {q.n}, c.seed, 2, -1, 1));
    return in;
  }

  std::vector<HostTensor> reference(const CaseSpec& c, const std::vector<HostTensor>& in) const override {
    const SgdUpdateParams q = parse_sgd_update_params(c.params);
    require_inputs(in, name(), expected(q));
    HostTensor w{"W", {q.n}, std::vector<float>(static_cast<size_t>(q.n))}, v{"V", {q.n}, {}};
    if (q.momentum) v.data.resize(static_cast<size_t>(q.n));
    for (size_t i = 0; i < w.data.size(); ++i) {
      const double g = in[1].data[i];
      const double step = q.momentum ? kSgdMomentum * in[2].data[i] + g : g;
      if (q.momentum) v.data[i] = static_cast<float>(step);
      w.data[i] = static_cast<float>(in[0].data[i] - kSgdLearningRate * step);
    }
    if (!q.momentum) return {w};
    return {w, v};
  }

  Validation check(const CaseSpec& c, const std::vector<HostTensor>& in, const std::vector<HostTensor>& refs,
                   const std::vector<std::vector<float>>& results) const override {
    const SgdUpdateParams q = parse_sgd_update_params(c.params);
    require_inputs(in, name(), expected(q));
    std::vector<double> w_scale(static_cast<size_t>(q.n)), v_scale;
    if (q.momentum) v_scale.resize(static_cast<size_t>(q.n));
    for (size_t i = 0; i < w_scale.size(); ++i) {
      const double step = std::fabs(in[1].data[i]) + (q.momentum ? kSgdMomentum * std::fabs(in[2].data[i]) : 0.0);
      w_scale[i] = std::fabs(in[0].data[i]) + kSgdLearningRate * step;
      if (q.momentum) v_scale[i] = step;
    }
    std::vector<ScaledOutput> outs = {{&refs.at(0), std::move(w_scale), kTolerance}};
    if (q.momentum) outs.push_back({&refs.at(1), std::move(v_scale), kTolerance});
    return check_scaled(outs, results, "|err| / Σ|terms| of the update");
  }

  // W − lr·G: 2 per element; with momentum 2 more.
  double flops(const nlohmann::json& p) const override {
    const SgdUpdateParams q = parse_sgd_update_params(p);
    return (q.momentum ? 4.0 : 2.0) * static_cast<double>(q.n);
  }
  // Reads W, G (V), writes W (V).
  double bytes(const nlohmann::json& p) const override {
    const SgdUpdateParams q = parse_sgd_update_params(p);
    return 4.0 * static_cast<double>(q.n) * (q.momentum ? 5.0 : 3.0);
  }

 private:
  static std::vector<int64_t> expected(const SgdUpdateParams& q) {
    std::vector<int64_t> e = {q.n, q.n};
    if (q.momentum) e.push_back(q.n);
    return e;
  }
};

}  // namespace

SgdUpdateParams parse_sgd_update_params(const nlohmann::json& params) {
  const ParamReader rd("sgd_update", params, {"n", "momentum"});
  SgdUpdateParams q;
  q.n = rd.size("n", 1, int64_t{1} << 30);
  q.momentum = rd.flag("momentum");
  rd.limit_elements(3.0 * static_cast<double>(q.n), fmt::format("n{}", q.n));
  return q;
}

const OpDef& sgd_update_op() {
  static const SgdUpdateOp op;
  return op;
}

}  // namespace versus
