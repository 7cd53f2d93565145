// The transformer's element-wise and normalisation ops in MXNet: gelu (core/ops/gelu.h) and
// layer_norm (core/ops/layer_norm.h). Backward: MXNet's autograd (mx_program.h).
//   impl framework  LeakyReLU act_type=gelu, which gluon.nn.GELU calls (erf form only in 1.9),
//                   and the LayerNorm operator of gluon.nn.LayerNorm (axis -1, eps 1e-5).
//   impl composed   the formulas from the operators `x * 0.5`, `erf`, `tanh`, `x ** 3`, `mean`,
//                   `rsqrt` and broadcasting arithmetic dispatch to in Gluon.
#include <fmt/format.h>

#include "backends/mxnet/mx_program.h"
#include "core/ops/gelu.h"
#include "core/ops/layer_norm.h"
#include "worker/op_table.h"

namespace versus::mx {
namespace {

using Value = Program::Value;

Value scalar_op(Program& p, const char* op, Value x, double s) {
  return p.call(op, {x}, {{"scalar", fmt::format("{:.17g}", s)}});
}

Value composed_gelu(Program& p, Value x, bool tanh_form) {
  Value inner;
  if (!tanh_form) {
    inner = p.call("erf", {scalar_op(p, "_mul_scalar", x, M_SQRT1_2)});
  } else {
    const Value cubic = scalar_op(p, "_mul_scalar", scalar_op(p, "_power_scalar", x, 3), kGeluTanhCoeff);
    inner = p.call("tanh", {scalar_op(p, "_mul_scalar", p.call("elemwise_add", {x, cubic}), kGeluSqrt2OverPi)});
  }
  return scalar_op(p, "_mul_scalar", p.call("elemwise_mul", {x, scalar_op(p, "_plus_scalar", inner, 1)}), 0.5);
}

std::unique_ptr<OpInstance> prepare_gelu(const CaseSpec& c, const std::vector<HostTensor>& in, const MxContext&) {
  const GeluParams g = parse_gelu_params(c.params);
  if (!g.composed && g.tanh)
    throw UnsupportedCase(
        "MXNet 1.9's GELU (LeakyReLU act_type=gelu, what gluon.nn.GELU calls) has the erf form only; "
        "--param impl=composed builds the tanh form from MXNet's operators");
  return make_instance(c, in,
                       {.forward = [g](Program& p, const std::vector<Value>& x) {
                          if (g.composed) return composed_gelu(p, x[0], g.tanh);
                          return p.call("LeakyReLU", {x[0]}, {{"act_type", "gelu"}});
                        },
                        .grads_of = {0}});
}

Value composed_layer_norm(Program& p, Value x, Value gamma, Value beta) {
  const std::vector<Param> last_axis = {{"axis", "-1"}, {"keepdims", "True"}};
  const Value centred = p.call("broadcast_sub", {x, p.call("mean", {x}, last_axis)});
  const Value var = p.call("mean", {p.call("square", {centred})}, last_axis);
  const Value inv_std = p.call("rsqrt", {scalar_op(p, "_plus_scalar", var, kLayerNormEps)});
  const Value xhat = p.call("broadcast_mul", {centred, inv_std});
  return p.call("broadcast_add", {p.call("broadcast_mul", {xhat, gamma}), beta});
}

std::unique_ptr<OpInstance> prepare_layer_norm(const CaseSpec& c, const std::vector<HostTensor>& in,
                                               const MxContext&) {
  const LayerNormParams l = parse_layer_norm_params(c.params);
  return make_instance(c, in,
                       {.forward = [l](Program& p, const std::vector<Value>& x) {
                          if (l.composed) return composed_layer_norm(p, x[0], x[1], x[2]);
                          return p.call("LayerNorm", {x[0], x[1], x[2]},
                                        {{"axis", "-1"}, {"eps", fmt::format("{:g}", kLayerNormEps)}});
                        },
                        .grads_of = {0, 1, 2}});
}

VERSUS_REGISTER_OP(MxContext, "gelu", prepare_gelu);
VERSUS_REGISTER_OP(MxContext, "layer_norm", prepare_layer_norm);

}  // namespace
}  // namespace versus::mx
