// dispatch (core/ops/dispatch.h): one float32 addition, the reference exact in float64.
#include "core/ops/dispatch.h"

#include <cmath>
#include <stdexcept>

#include "core/errors.h"
#include "core/op_registry.h"
#include "core/ops/params.h"
#include "core/ops/scaled_check.h"
#include "core/rng.h"

namespace versus {
namespace {

class DispatchOp final : public OpDef {
 public:
  std::string name() const override { return "dispatch"; }
  std::string description() const override {
    return "one tiny op (Y = A + B, one float32 element) through a framework's dispatch path: its fixed "
           "cost per op (mode: graph, eager, imperative, cachedop, call; python: through the Python frontend "
           "the variant names, e.g. torch:python)";
  }
  void validate_params(const nlohmann::json& p) const override { parse_dispatch_mode(p); }
  std::string shape_label(const nlohmann::json& p) const override { return parse_dispatch_mode(p); }

  std::vector<HostTensor> make_inputs(const CaseSpec& c) const override {
    parse_dispatch_mode(c.params);
    std::vector<HostTensor> in = {{"A", {1}, {0.0f}}, {"B", {1}, {0.0f}}};
    fill_uniform(in[0].data, c.seed, 0, -1.0f, 1.0f);
    fill_uniform(in[1].data, c.seed, 1, -1.0f, 1.0f);
    return in;
  }

  std::vector<HostTensor> reference(const CaseSpec&, const std::vector<HostTensor>& in) const override {
    require_shapes(in);
    const double y = double(in[0].data[0]) + double(in[1].data[0]);
    return {{"Y", {1}, {static_cast<float>(y)}}};
  }

  // One rounding of an exact sum: |error| <= 2⁻²⁴·|A + B| <= 2⁻²⁴·(|A| + |B|).
  Validation check(const CaseSpec&, const std::vector<HostTensor>& in, const std::vector<HostTensor>& refs,
                   const std::vector<std::vector<float>>& results) const override {
    require_shapes(in);
    return check_scaled({{&refs[0], {dispatch_error_scale(in)}, 1.01 * kUnitRoundoff}}, results, "|Y-ref| / (|A|+|B|)");
  }

  double flops(const nlohmann::json&) const override { return 1; }
  double bytes(const nlohmann::json&) const override { return 12; }

 private:
  void require_shapes(const std::vector<HostTensor>& in) const {
    if (in.size() != 2 || in[0].data.size() != 1 || in[1].data.size() != 1)
      throw std::invalid_argument("dispatch: expected inputs A and B of one element each");
  }
};

}  // namespace

std::string parse_dispatch_mode(const nlohmann::json& params) {
  const ParamReader rd("dispatch", params, {"mode"});
  if (!params.contains("mode"))
    throw UserError("dispatch: parameter 'mode' is required (graph, eager, imperative, cachedop, call or python)");
  return rd.choice("mode", {"graph", "eager", "imperative", "cachedop", "call", "python"});
}

double dispatch_error_scale(const std::vector<HostTensor>& in) {
  return std::fabs(in.at(0).data.at(0)) + std::fabs(in.at(1).data.at(0));
}

const OpDef& dispatch_op() {
  static const DispatchOp op;
  return op;
}

}  // namespace versus
