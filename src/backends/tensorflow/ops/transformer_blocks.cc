// The transformer's element-wise and normalisation ops in TensorFlow graph mode: gelu
// (core/ops/gelu.h) and layer_norm (core/ops/layer_norm.h). Backward: the C API's gradients.
//   impl framework  what the users' calls put in the graph — TensorFlow has no GELU or layer-norm
//                   kernel: tf.nn.gelu is 0.5·x·Erfc(-x/√2) (tanh form: 0.5·x·(1 + Tanh(√(2/π)·(x +
//                   0.044715·Pow(x, 3))))), keras.layers.LayerNormalization is tf.nn.moments (Mean,
//                   SquaredDifference against StopGradient(mean), Mean) and x·inv + (β - mean·inv)
//                   with inv = Rsqrt(var + eps)·γ.
//   impl composed   the textbook formulas: 0.5·x·(1 + Erf(x/√2)); (x - mean)·Rsqrt(var + eps)·γ + β.
#include "backends/tensorflow/graph_builder.h"
#include "backends/tensorflow/transformer_graphs.h"
#include "core/ops/gelu.h"
#include "core/ops/layer_norm.h"
#include "worker/op_table.h"

namespace versus::tf {
namespace {

TF_Output gelu(GraphBuilder& g, const GeluParams& p, TF_Output x) {
  return gelu_graph(g, x, p.tanh ? GeluGraph::kTanh : p.composed ? GeluGraph::kErf : GeluGraph::kErfc);
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
  const auto eps = static_cast<float>(kLayerNormEps);
  if (!p.composed) return keras_layer_norm_graph(g, x, gamma, beta, eps);
  const TF_Output mean = mean_last_axis(g, x);
  const TF_Output centred = g.op("Sub", {x, mean});
  const TF_Output var = mean_last_axis(g, g.op("Square", {centred}));
  const TF_Output xhat = g.op("Mul", {centred, g.op("Rsqrt", {g.op("AddV2", {var, g.scalar(eps)})})});
  return g.op("AddV2", {g.op("Mul", {xhat, gamma}), beta});
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
