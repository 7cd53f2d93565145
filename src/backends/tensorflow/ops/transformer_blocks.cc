// The transformer's element-wise and normalisation ops in TensorFlow graph mode: gelu
// (core/ops/gelu.h) and layer_norm (core/ops/layer_norm.h). Backward: the C API's gradients.
//   impl framework  what the users' calls put in the graph — TensorFlow has no GELU or layer-norm
//                   kernel: tf.nn.gelu is 0.5·x·Erfc(-x/√2) (tanh form: 0.5·x·(1 + Tanh(√(2/π)·(x +
//                   0.044715·Pow(x, 3))))), keras.layers.LayerNormalization is tf.nn.moments (Mean,
//                   SquaredDifference against StopGradient(mean), Mean) and x·inv + (β - mean·inv)
//                   with inv = Rsqrt(var + eps)·γ.
//   impl composed   the textbook formulas: 0.5·x·(1 + Erf(x/√2)); (x - mean)·Rsqrt(var + eps)·γ + β.
#include <cmath>

#include "backends/tensorflow/graph_builder.h"
#include "core/ops/gelu.h"
#include "core/ops/layer_norm.h"
#include "worker/op_table.h"

namespace versus::tf {
namespace {

TF_Output gelu(GraphBuilder& g, const GeluParams& p, TF_Output x) {
  const TF_Output half_x = g.op("Mul", {g.scalar(0.5f), x});
  if (p.tanh) {
    const TF_Output cubic = g.op("Mul", {g.scalar(static_cast<float>(kGeluTanhCoeff)), g.op("Pow", {x, g.scalar(3)})});
    const TF_Output inner = g.op("Mul", {g.scalar(static_cast<float>(kGeluSqrt2OverPi)), g.op("AddV2", {x, cubic})});
    return g.op("Mul", {half_x, g.op("AddV2", {g.scalar(1), g.op("Tanh", {inner})})});
  }
  if (p.composed) {
    const TF_Output erf = g.op("Erf", {g.op("Mul", {x, g.scalar(static_cast<float>(M_SQRT1_2))})});
    return g.op("Mul", {half_x, g.op("AddV2", {g.scalar(1), erf})});
  }
  const TF_Output erfc = g.op("Erfc", {g.op("Mul", {g.op("Neg", {x}), g.scalar(static_cast<float>(M_SQRT1_2))})});
  return g.op("Mul", {half_x, erfc});
}

std::unique_ptr<OpInstance> prepare_gelu(const CaseSpec& c, const std::vector<HostTensor>& in, const TfContext& ctx) {
  const GeluParams p = parse_gelu_params(c.params);
  GraphBuilder g(c, ctx);
  const TF_Output x = g.feed(in.at(0));
  const TF_Output y = gelu(g, p, x);
  if (!g.backward()) return g.finish({y});
  return g.finish(g.gradients(y, g.feed(in.at(1)), {x}), {y});
}

TF_Output mean_last_axis(GraphBuilder& g, TF_Output x) {
  return g.op("Mean", {x, g.const_int32({-1})}, [](Desc d) { TF_SetAttrBool(d, "keep_dims", 1); });
}

TF_Output layer_norm(GraphBuilder& g, const LayerNormParams& p, TF_Output x, TF_Output gamma, TF_Output beta) {
  const TF_Output eps = g.scalar(static_cast<float>(kLayerNormEps));
  const TF_Output mean = mean_last_axis(g, x);
  if (p.composed) {
    const TF_Output centred = g.op("Sub", {x, mean});
    const TF_Output var = mean_last_axis(g, g.op("Square", {centred}));
    const TF_Output xhat = g.op("Mul", {centred, g.op("Rsqrt", {g.op("AddV2", {var, eps})})});
    return g.op("AddV2", {g.op("Mul", {xhat, gamma}), beta});
  }
  const TF_Output var = mean_last_axis(g, g.op("SquaredDifference", {x, g.op("StopGradient", {mean})}));
  const TF_Output inv = g.op("Mul", {g.op("Rsqrt", {g.op("AddV2", {var, eps})}), gamma});
  const TF_Output res = g.op("AddV2", {g.op("Mul", {g.op("Neg", {mean}), inv}), beta});
  return g.op("AddV2", {g.op("Mul", {x, inv}), res});
}

std::unique_ptr<OpInstance> prepare_layer_norm(const CaseSpec& c, const std::vector<HostTensor>& in,
                                               const TfContext& ctx) {
  const LayerNormParams p = parse_layer_norm_params(c.params);
  GraphBuilder g(c, ctx);
  const TF_Output x = g.feed(in.at(0)), gamma = g.feed(in.at(1)), beta = g.feed(in.at(2));
  const TF_Output y = layer_norm(g, p, x, gamma, beta);
  if (!g.backward()) return g.finish({y});
  return g.finish(g.gradients(y, g.feed(in.at(3)), {x, gamma, beta}), {y});
}

VERSUS_REGISTER_OP(TfContext, "gelu", prepare_gelu);
VERSUS_REGISTER_OP(TfContext, "layer_norm", prepare_layer_norm);

}  // namespace
}  // namespace versus::tf
