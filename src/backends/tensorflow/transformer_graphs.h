// The transformer's element-wise and normalisation graphs, written once for both of TensorFlow's
// graph builders: the op cases' GraphBuilder (ops/transformer_blocks.cc) and the models'
// ModelGraph (model/layers.cc). Both offer op(type, {inputs}, attrs) and scalar(float). The
// models' parts are marked regions, counted as the TensorFlow worker's lines of code (the op
// cases' Erfc form is left outside).
#pragma once

#include <tensorflow/c/c_api.h>

#include <cmath>

#include "backends/tensorflow/graph_builder.h"  // Desc
#include "core/ops/gelu.h"

namespace versus::tf {

// kErfc: tf.nn.gelu's own graph, 0.5·x·Erfc(-x/√2) — the Erfc op has no C++ gradient. kErf: the
// same function as 0.5·x·(1 + Erf(x/√2)), whose Erf has one. kTanh: tf.nn.gelu(approximate=True),
// 0.5·x·(1 + Tanh(√(2/π)·(x + 0.044715·Pow(x, 3)))).
enum class GeluGraph { kErfc, kErf, kTanh };

// loc: begin layer activation
template <typename Graph>
TF_Output gelu_graph(Graph& g, TF_Output x, GeluGraph form) {
  const TF_Output half_x = g.op("Mul", {g.scalar(0.5f), x});
  if (form == GeluGraph::kTanh) {
    const TF_Output cubic = g.op("Mul", {g.scalar(static_cast<float>(kGeluTanhCoeff)), g.op("Pow", {x, g.scalar(3)})});
    const TF_Output inner = g.op("Mul", {g.scalar(static_cast<float>(kGeluSqrt2OverPi)), g.op("AddV2", {x, cubic})});
    return g.op("Mul", {half_x, g.op("AddV2", {g.scalar(1), g.op("Tanh", {inner})})});
  }
  if (form == GeluGraph::kErf) {
    const TF_Output erf = g.op("Erf", {g.op("Mul", {x, g.scalar(static_cast<float>(M_SQRT1_2))})});
    return g.op("Mul", {half_x, g.op("AddV2", {g.scalar(1), erf})});
  }
  // loc: end
  const TF_Output erfc = g.op("Erfc", {g.op("Mul", {g.op("Neg", {x}), g.scalar(static_cast<float>(M_SQRT1_2))})});
  return g.op("Mul", {half_x, erfc});
}

// What keras.layers.LayerNormalization builds over the last axis: tf.nn.moments (Mean, and the
// variance as the Mean of SquaredDifference against StopGradient(mean)), inv = Rsqrt(var + eps)·γ,
// y = x·inv + (β - mean·inv).
// loc: begin layer layer_norm
template <typename Graph>
TF_Output keras_layer_norm_graph(Graph& g, TF_Output x, TF_Output gamma, TF_Output beta, float epsilon) {
  const auto keep = [](Desc d) { TF_SetAttrBool(d, "keep_dims", 1); };
  const TF_Output last = g.const_int32({-1});
  const TF_Output mean = g.op("Mean", {x, last}, keep);
  const TF_Output var = g.op("Mean", {g.op("SquaredDifference", {x, g.op("StopGradient", {mean})}), last}, keep);
  const TF_Output inv = g.op("Mul", {g.op("Rsqrt", {g.op("AddV2", {var, g.scalar(epsilon)})}), gamma});
  const TF_Output res = g.op("AddV2", {g.op("Mul", {g.op("Neg", {mean}), inv}), beta});
  return g.op("AddV2", {g.op("Mul", {x, inv}), res});
}
// loc: end

}  // namespace versus::tf
