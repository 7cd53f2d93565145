// Per-layer graph construction of a network's forward pass in TensorFlow (layers.h).
#include "backends/tensorflow/model/layers.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cmath>
#include <limits>

#include "backends/tensorflow/layout.h"
#include "backends/tensorflow/transformer_graphs.h"
#include "core/errors.h"
#include "nets/layout.h"

namespace versus::tf {
namespace {

[[noreturn]] void unsupported(const Layer& l, const std::string& why) {
  throw UnsupportedCase(fmt::format("tensorflow: {} ({}) is not supported: {}", l.type, l.name, why));
}

int32_t dim32(int64_t v) { return static_cast<int32_t>(v); }

int64_t product(const Shape& s) {
  int64_t n = 1;
  for (int64_t d : s) n *= d;
  return n;
}

// `flattened`: the [C, H, W] of the image the last flatten met, until a dense layer takes it.
// In between, a layer's per-feature parameters (batch_norm's γ and β) are in the flattened order.
void collect_layouts(const std::vector<Layer>& layers, std::vector<ParamConversion>& out, Shape& flattened) {
  for (const Layer& l : layers) {
    if (l.type == "flatten" && l.in_shape.size() == 3) flattened = l.in_shape;
    for (size_t i = 0; i < l.params.size(); ++i) {
      ParamConversion p;
      if (l.type == "dense" && i == 0) {
        p.layout = flattened.empty() ? ParamLayout::kTransposed : ParamLayout::kFlattenedNhwc;
        p.chw = flattened;
      } else if (l.type == "batch_norm" && !flattened.empty()) {
        p.layout = ParamLayout::kFlattenedNhwcVector;
        p.chw = flattened;
      }
      if (l.type == "conv2d" && i == 0) p.layout = ParamLayout::kHwio;
      if (l.type == "lstm" && i < 2) p.layout = ParamLayout::kTransposed;
      if (l.type == "multi_head_attention" && i % 2 == 0) p.layout = ParamLayout::kTransposed;  // [in, out]
      out.at(static_cast<size_t>(l.params[i])) = p;
    }
    if (l.type == "dense") flattened.clear();
    if (l.type == "residual") {
      // Both branches read the same input: each starts from the state the residual met.
      Shape body = flattened, shortcut = flattened;
      collect_layouts(l.body, out, body);
      collect_layouts(l.shortcut, out, shortcut);
      if (body.empty() || shortcut.empty()) flattened.clear();
    }
  }
}

// Columns of a [out, C·H·W] matrix reordered to H·W·C (or back, `to_nhwc` false).
HostTensor permute_flattened_columns(const HostTensor& t, const Shape& chw, bool to_nhwc) {
  const int64_t c = chw.at(0), h = chw.at(1), w = chw.at(2), in = c * h * w;
  if (t.shape.size() != 2 || t.shape[1] != in)
    throw std::runtime_error(fmt::format("dense weight [{}] after a flatten of [{}]", fmt::join(t.shape, ","),
                                         fmt::join(chw, ",")));
  HostTensor out = t;
  for (int64_t row = 0; row < t.shape[0]; ++row)
    for (int64_t ci = 0; ci < c; ++ci)
      for (int64_t hi = 0; hi < h; ++hi)
        for (int64_t wi = 0; wi < w; ++wi) {
          const int64_t nchw = (ci * h + hi) * w + wi, nhwc = (hi * w + wi) * c + ci;
          const int64_t from = to_nhwc ? nchw : nhwc, to = to_nhwc ? nhwc : nchw;
          out.data[static_cast<size_t>(row * in + to)] = t.data[static_cast<size_t>(row * in + from)];
        }
  return out;
}

// A per-feature vector of C·H·W values reordered to H·W·C (or back, `to_nhwc` false).
HostTensor permute_flattened_vector(const HostTensor& t, const Shape& chw, bool to_nhwc) {
  HostTensor row = t;
  row.shape = {1, t.elements()};
  HostTensor out = permute_flattened_columns(row, chw, to_nhwc);
  out.shape = t.shape;
  return out;
}

}  // namespace

bool takes_images(const Network& net) { return net.input_kind == "image" && net.input_shape.size() == 3; }

std::vector<ParamConversion> param_layouts(const Network& net) {
  std::vector<ParamConversion> out(net.params.size());
  Shape flattened;
  collect_layouts(net.layers, out, flattened);
  return out;
}

HostTensor to_tf_layout(const HostTensor& neutral, const ParamConversion& conversion) {
  switch (conversion.layout) {
    case ParamLayout::kTransposed:
      return layout::transpose2d(neutral);
    case ParamLayout::kFlattenedNhwc:
      return layout::transpose2d(permute_flattened_columns(neutral, conversion.chw, true));
    case ParamLayout::kFlattenedNhwcVector:
      return permute_flattened_vector(neutral, conversion.chw, true);
    case ParamLayout::kHwio:
      return layout::oihw_to_hwio(neutral);
    case ParamLayout::kAsIs:
      break;
  }
  return neutral;
}

HostTensor from_tf_layout(const HostTensor& tf_value, const ParamConversion& conversion) {
  switch (conversion.layout) {
    case ParamLayout::kTransposed:
      return layout::transpose2d(tf_value);
    case ParamLayout::kFlattenedNhwc:
      return permute_flattened_columns(layout::transpose2d(tf_value), conversion.chw, false);
    case ParamLayout::kFlattenedNhwcVector:
      return permute_flattened_vector(tf_value, conversion.chw, false);
    case ParamLayout::kHwio:
      return layout::hwio_to_oihw(tf_value);
    case ParamLayout::kAsIs:
      break;
  }
  return tf_value;
}

const Variable& ForwardPass::param(const Layer& l, size_t i) const {
  if (i >= l.params.size()) unsupported(l, fmt::format("expected at least {} parameters", i + 1));
  return params_.at(static_cast<size_t>(l.params[i]));
}

Activation ForwardPass::input(TF_Output x, const Network& net) {
  g_.set_scope("input");
  // Images arrive NHWC (Model::channels_last): TF's CPU convolution and pooling kernels are NHWC.
  return {x, net.input_shape, takes_images(net)};
}

Activation ForwardPass::layers(const std::vector<Layer>& layers, Activation x) {
  for (const Layer& l : layers) x = layer(l, x);
  return x;
}

Activation ForwardPass::layer(const Layer& l, Activation x) {
  if (x.shape != l.in_shape)
    unsupported(l, fmt::format("input shape [{}] differs from the layer's [{}]", fmt::join(x.shape, ","),
                               fmt::join(l.in_shape, ",")));
  g_.set_scope(l.name);
  if (l.type == "dense") return dense(l, x);
  if (l.type == "conv2d") return conv2d(l, x);
  if (l.type == "max_pool" || l.type == "avg_pool") return pool(l, x);
  // loc: begin layer activation
  if (l.type == "relu") return {g_.op("Relu", {x.t}), x.shape, x.nhwc};
  if (l.type == "sigmoid") return {g_.op("Sigmoid", {x.t}), x.shape, x.nhwc};
  if (l.type == "tanh") return {g_.op("Tanh", {x.t}), x.shape, x.nhwc};
  // loc: end
  if (l.type == "flatten") return flatten(l, x);
  if (l.type == "batch_norm") return batch_norm(l, x);
  if (l.type == "embedding") return embedding(l, x);
  if (l.type == "lstm") return lstm(l, x);
  if (l.type == "residual") return residual(l, x);
  // loc: begin layer activation
  if (l.type == "gelu") return gelu(l, x);
  // loc: end
  if (l.type == "layer_norm") return layer_norm(l, x);
  if (l.type == "positional_embedding") return positional_embedding(l, x);
  if (l.type == "multi_head_attention") return attention(l, x);
  if (l.type == "mean_pool") return mean_pool(l, x);
  unsupported(l, "unknown layer type");
}

// loc: begin layer dense
// y = x·W + b with W [in, out], as keras Dense.
Activation ForwardPass::dense(const Layer& l, const Activation& x) {
  if (x.shape.size() == 2 && !x.nhwc)  // a sequence: the same weight at every position
    return {project(x.t, x.shape[0], x.shape[1], l.units, param(l, 0), l.params.size() > 1 ? &param(l, 1) : nullptr), l.out_shape, false};
  if (x.shape.size() != 1) unsupported(l, "dense takes [batch, features]; flatten first");
  TF_Output y = g_.op("MatMul", {x.t, param(l, 0).value});
  if (l.params.size() > 1) y = g_.op("BiasAdd", {y, param(l, 1).value});
  return {y, l.out_shape, false};
}
// loc: end

// loc: begin layer conv2d
// Conv2D NHWC with an HWIO filter. Symmetric zero padding: 'SAME' where it places the windows
// identically (layout.h), otherwise an explicit Pad then 'VALID' (keras ZeroPadding2D +
// Conv2D); Conv2D's 'EXPLICIT' padding is avoided because its C++ gradient ignores it.
Activation ForwardPass::conv2d(const Layer& l, const Activation& x) {
  if (!x.nhwc) unsupported(l, "conv2d takes images [C, H, W]");
  TF_Output in = x.t;
  std::string padding = "VALID";
  if (l.padding > 0) {
    if (same_matches(x.shape[1], l.kernel, l.stride, l.padding) &&
        same_matches(x.shape[2], l.kernel, l.stride, l.padding)) {
      padding = "SAME";
    } else {
      const int32_t q = dim32(l.padding);
      in = g_.op("Pad", {in, g_.const_int32({0, 0, q, q, q, q, 0, 0}, {4, 2})});
    }
  }
  TF_Output y = g_.op("Conv2D", {in, param(l, 0).value}, [&](Desc d) {
    attr_ints(d, "strides", {1, l.stride, l.stride, 1});
    attr_string(d, "padding", padding);
    attr_string(d, "data_format", "NHWC");
  });
  if (l.params.size() > 1) y = g_.op("BiasAdd", {y, param(l, 1).value});
  return {y, l.out_shape, true};
}
// loc: end

// loc: begin layer pool
// MaxPool / AvgPool NHWC. Padding, symmetric: 'SAME' where it places the windows identically
// (neither op counts SAME's padding); max pooling otherwise pads explicitly with the lowest
// float, which no window can pick.
Activation ForwardPass::pool(const Layer& l, const Activation& x) {
  if (!x.nhwc) unsupported(l, "pooling takes images [C, H, W]");
  const bool max = l.type == "max_pool";
  TF_Output in = x.t;
  std::string padding = "VALID";
  if (l.padding > 0) {
    if (same_matches(x.shape[1], l.kernel, l.stride, l.padding) &&
        same_matches(x.shape[2], l.kernel, l.stride, l.padding)) {
      padding = "SAME";
    } else if (max) {
      const int32_t q = dim32(l.padding);
      in = g_.op("PadV2", {in, g_.const_int32({0, 0, q, q, q, q, 0, 0}, {4, 2}),
                           g_.scalar(std::numeric_limits<float>::lowest())});
    } else {
      unsupported(l, fmt::format("padding {} with kernel {} and stride {} is not 'SAME'-equivalent, and TF's "
                                 "AvgPool has no other way to leave padding out of the average",
                                 l.padding, l.kernel, l.stride));
    }
  }
  const TF_Output y = g_.op(max ? "MaxPool" : "AvgPool", {in}, [&](Desc d) {
    attr_ints(d, "ksize", {1, l.kernel, l.kernel, 1});
    attr_ints(d, "strides", {1, l.stride, l.stride, 1});
    attr_string(d, "padding", padding);
    attr_string(d, "data_format", "NHWC");
  });
  return {y, l.out_shape, true};
}
// loc: end

// loc: begin layer flatten
// In the order TF holds the activation (H·W·C for images), as keras Flatten does; the next dense
// layer's weight rows were permuted to match (ParamLayout::kFlattenedNhwc).
Activation ForwardPass::flatten(const Layer& l, const Activation& x) {
  return {g_.reshape(x.t, {-1, dim32(product(x.shape))}), l.out_shape, false};
}
// loc: end

// loc: begin layer batch_norm
// FusedBatchNormV3 NHWC, as keras BatchNormalization(fused) runs it; a [batch, C] input is
// viewed as [batch, 1, 1, C]. Training: batch statistics, and the running ones updated as
// running = momentum·running + (1-momentum)·batch with the op's batch variance (unbiased, as
// Keras and PyTorch keep it). Inference: the running statistics.
Activation ForwardPass::batch_norm(const Layer& l, const Activation& x) {
  const bool image = x.nhwc && x.shape.size() == 3;
  if (!image && x.shape.size() != 1) unsupported(l, "batch_norm takes images [C, H, W] or [features]");
  const int64_t channels = x.shape[0];  // C of [C, H, W] or [C]
  const TF_Output in = image ? x.t : g_.reshape(x.t, {-1, 1, 1, dim32(channels)});
  const Variable &gamma = param(l, 0), &beta = param(l, 1);
  RunningStats& stats = running(l, channels);
  const float eps = static_cast<float>(l.epsilon);
  const auto attrs = [&](Desc d) {
    TF_SetAttrFloat(d, "epsilon", eps);
    TF_SetAttrBool(d, "is_training", training_);
    attr_string(d, "data_format", "NHWC");
  };
  TF_Operation* bn;
  if (training_) {
    const TF_Output empty = g_.empty_float();
    bn = g_.node("FusedBatchNormV3", {in, gamma.value, beta.value, empty, empty}, attrs);
    const float m = static_cast<float>(l.momentum);
    const auto update = [&](const Variable& v, TF_Output batch) {
      const TF_Output next =
          g_.op("AddV2", {g_.op("Mul", {g_.scalar(m), v.value}), g_.op("Mul", {g_.scalar(1.0f - m), batch})});
      updates_.push_back(g_.node("AssignVariableOp", {v.handle, next}));
    };
    update(stats.mean, {bn, 1});
    update(stats.var, {bn, 2});
  } else {
    bn = g_.node("FusedBatchNormV3", {in, gamma.value, beta.value, stats.mean.value, stats.var.value}, attrs);
  }
  const TF_Output y{bn, 0};
  return {image ? y : g_.reshape(y, {-1, dim32(channels)}), l.out_shape, x.nhwc};
}

RunningStats& ForwardPass::running(const Layer& l, int64_t channels) {
  auto it = running_.find(l.name);
  if (it != running_.end()) return it->second;
  RunningStats s{g_.variable(l.name + ".running_mean", {channels}),
                 g_.variable(l.name + ".running_var", {channels})};
  g_.init_fill(s.mean, 0.0f);
  g_.init_fill(s.var, 1.0f);
  return running_.emplace(l.name, s).first->second;
}
// loc: end

TF_Output ForwardPass::project(TF_Output x, int64_t time, int64_t in, int64_t out, const Variable& w, const Variable* b) {
  TF_Output y = g_.op("MatMul", {g_.reshape(x, {-1, dim32(in)}), w.value});
  if (b) y = g_.op("BiasAdd", {y, b->value});
  return g_.reshape(y, {-1, dim32(time), dim32(out)});
}

// loc: begin layer embedding
// GatherV2 on the ids cast to int32, what keras Embedding emits; with mask_zero, Keras keeps
// ids != 0 as the mask the layers below read (real_tokens_).
Activation ForwardPass::embedding(const Layer& l, const Activation& x) {
  if (x.nhwc || x.shape.size() != 1) unsupported(l, "embedding takes token ids [T]");
  real_tokens_ = g_.op("Cast", {g_.op("NotEqual", {x.t, g_.scalar(0)})}, [](Desc d) { TF_SetAttrType(d, "DstT", TF_FLOAT); });
  const TF_Output ids = g_.op("Cast", {x.t}, [](Desc d) { TF_SetAttrType(d, "DstT", TF_INT32); });
  return {g_.op("GatherV2", {param(l, 0).value, ids, g_.scalar_int32(0)}), l.out_shape, false};
}
// loc: end

// loc: begin layer lstm
// TF's fused LSTM ops (LSTMBlockCell, CudnnRNN) have no C++ gradient, so the cell is unrolled
// over time as keras' LSTM does without cuDNN: the input projection of every step in one
// MatMul, then per step gates = x_t·K + h·R + b_ih + b_hh in the neutral order i,f,g,o;
// c = f⊙c + i⊙g, h = o⊙tanh(c), from h = c = 0. Returns the last h.
Activation ForwardPass::lstm(const Layer& l, const Activation& x) {
  if (x.nhwc || x.shape.size() != 2) unsupported(l, "lstm takes sequences [T, features]");
  const int64_t steps = x.shape[0], features = x.shape[1], hidden = l.units;
  if (steps < 1) unsupported(l, "the sequence is empty");
  const Variable &kernel = param(l, 0), &recurrent = param(l, 1), &b_ih = param(l, 2), &b_hh = param(l, 3);
  const TF_Output bias = g_.op("AddV2", {b_ih.value, b_hh.value});
  TF_Output projected = g_.op("MatMul", {g_.reshape(x.t, {-1, dim32(features)}), kernel.value});
  projected = g_.reshape(g_.op("BiasAdd", {projected, bias}), {-1, dim32(steps), dim32(4 * hidden)});
  TF_Operation* per_step = g_.node("Unpack", {projected}, [&](Desc d) {
    TF_SetAttrInt(d, "num", steps);
    TF_SetAttrInt(d, "axis", 1);
  });
  const TF_Output axis = g_.scalar_int32(1);
  TF_Output h{}, c{};
  for (int t = 0; t < steps; ++t) {
    TF_Output gates{per_step, t};
    if (t > 0) gates = g_.op("AddV2", {gates, g_.op("MatMul", {h, recurrent.value})});
    TF_Operation* split = g_.node("Split", {axis, gates}, [](Desc d) { TF_SetAttrInt(d, "num_split", 4); });
    const TF_Output i = g_.op("Sigmoid", {{split, 0}}), f = g_.op("Sigmoid", {{split, 1}});
    const TF_Output gg = g_.op("Tanh", {{split, 2}}), o = g_.op("Sigmoid", {{split, 3}});
    const TF_Output ig = g_.op("Mul", {i, gg});
    c = t == 0 ? ig : g_.op("AddV2", {g_.op("Mul", {f, c}), ig});
    h = g_.op("Mul", {o, g_.op("Tanh", {c})});
  }
  return {h, l.out_shape, false};
}
// loc: end

// loc: begin layer activation
// tf.nn.gelu's function in its Erf form (transformer_graphs.h: its own Erfc has no C++ gradient).
Activation ForwardPass::gelu(const Layer& l, const Activation& x) {
  return {gelu_graph(g_, x.t, l.approximate_tanh ? GeluGraph::kTanh : GeluGraph::kErf), x.shape, x.nhwc};
}
// loc: end

// loc: begin layer layer_norm
// What keras LayerNormalization builds (transformer_graphs.h).
Activation ForwardPass::layer_norm(const Layer& l, const Activation& x) {
  return {keras_layer_norm_graph(g_, x.t, param(l, 0).value, param(l, 1).value, static_cast<float>(l.epsilon)),
          x.shape, x.nhwc};
}
// loc: end

// loc: begin layer positional_embedding
// The table's first T rows (a Gather of positions 0..T-1, as keras_nlp's PositionEmbedding slices)
// added to every sequence.
Activation ForwardPass::positional_embedding(const Layer& l, const Activation& x) {
  if (x.shape.size() != 2) unsupported(l, "takes sequences [T, features]");
  std::vector<int32_t> positions(static_cast<size_t>(x.shape[0]));
  for (size_t t = 0; t < positions.size(); ++t) positions[t] = static_cast<int32_t>(t);
  const TF_Output rows = g_.op("GatherV2", {param(l, 0).value, g_.const_int32(positions), g_.scalar_int32(0)});
  return {g_.op("AddV2", {x.t, rows}), x.shape, false};
}
// loc: end

// loc: begin layer multi_head_attention
// What keras MultiHeadAttention computes, with one MatMul per projection: q, k, v [batch, heads,
// T, d]; the query scaled by 1/√d; BatchMatMulV2(q, k, adj_y); padding keys (1 - mask)·-1e9 as
// its Softmax layer adds them; BatchMatMulV2(P, v); heads joined; the output projection.
Activation ForwardPass::attention(const Layer& l, const Activation& x) {
  if (x.shape.size() != 2 || !real_tokens_.oper) unsupported(l, "takes a token input's sequences [T, width]");
  const int64_t time = x.shape[0], width = x.shape[1], heads = l.units, d = width / heads;
  const auto split = [&](size_t i) {
    const TF_Output p = project(x.t, time, width, width, param(l, i), &param(l, i + 1));
    return g_.transpose(g_.reshape(p, {-1, dim32(time), dim32(heads), dim32(d)}), {0, 2, 1, 3});
  };
  const TF_Output q = g_.op("Mul", {split(0), g_.scalar(static_cast<float>(1 / std::sqrt(static_cast<double>(d))))});
  const TF_Output k = split(2), v = split(4);
  const auto adj_y = [](Desc desc) { TF_SetAttrBool(desc, "adj_y", 1); };
  const TF_Output adder = g_.reshape(g_.op("Mul", {g_.op("Sub", {g_.scalar(1), real_tokens_}), g_.scalar(-1e9f)}),
                                     {-1, 1, 1, dim32(time)});
  const TF_Output scores = g_.op("AddV2", {g_.op("BatchMatMulV2", {q, k}, adj_y), adder});
  const TF_Output out = g_.op("BatchMatMulV2", {g_.op("Softmax", {scores}), v});
  const TF_Output joined = g_.reshape(g_.transpose(out, {0, 2, 1, 3}), {-1, dim32(time), dim32(width)});
  return {project(joined, time, width, width, param(l, 6), &param(l, 7)), x.shape, false};
}
// loc: end

// loc: begin layer mean_pool
// keras GlobalAveragePooling1D with a mask: the masked sum over time ÷ the real positions.
Activation ForwardPass::mean_pool(const Layer& l, const Activation& x) {
  if (x.shape.size() != 2 || !real_tokens_.oper) unsupported(l, "takes a token input's sequences [T, features]");
  const TF_Output mask = g_.op("ExpandDims", {real_tokens_, g_.scalar_int32(2)});
  const TF_Output sum = g_.op("Sum", {g_.op("Mul", {x.t, mask}), g_.const_int32({1})});
  const TF_Output count = g_.op("Sum", {real_tokens_, g_.const_int32({1})}, [](Desc d) { TF_SetAttrBool(d, "keep_dims", 1); });
  return {g_.op("RealDiv", {sum, count}), l.out_shape, false};
}
// loc: end

// loc: begin layer residual
Activation ForwardPass::residual(const Layer& l, const Activation& x) {
  const Activation body = layers(l.body, x);
  const Activation shortcut = l.shortcut.empty() ? x : layers(l.shortcut, x);
  if (body.shape != shortcut.shape || body.nhwc != shortcut.nhwc)
    unsupported(l, fmt::format("body [{}] and shortcut [{}] differ", fmt::join(body.shape, ","),
                               fmt::join(shortcut.shape, ",")));
  g_.set_scope(l.name);
  return {g_.op("AddV2", {body.t, shortcut.t}), l.out_shape, body.nhwc};
}
// loc: end

}  // namespace versus::tf
