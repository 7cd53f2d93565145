// The neutral layers as MXNet operators (model/layers.h):
//   dense       FullyConnected (weight [units, in] = neutral OI) on a flat input
//   conv2d      Convolution, NCHW / OIHW (neutral), symmetric zero padding, dilation 1
//   max_pool    Pooling "max", pooling_convention "valid" (floor); windows are clipped to the
//               input, so padding never wins
//   avg_pool    Pooling "avg", count_include_pad=False: padding is never counted (MXNet's
//               default would count it)
//   relu, sigmoid, tanh   Activation
//   flatten     Flatten (C·H·W order, NCHW's)
//   batch_norm  BatchNorm, fix_gamma=False (gamma is used, as Gluon's scale=True), the layer's
//               eps and momentum (MXNet's convention is the neutral one: running =
//               momentum·running + (1-momentum)·batch); running mean 0 / var 1 are aux states
//               the op updates in training mode
//   embedding   Embedding (dense gradient, Gluon's default), ids as float32; it also keeps which
//               positions hold real tokens (id != 0) for the layers below that mask padding
//   positional_embedding  the table's first T rows added (broadcast_add)
//   layer_norm  LayerNorm over the last axis (gluon.nn.LayerNorm)
//   gelu        LeakyReLU act_type=gelu (gluon.nn.GELU); the tanh form composed (MXNet 1.9 has no kernel)
//   multi_head_attention  FullyConnected q, k, v (flatten=False), heads split by reshape and
//               transpose, batch_dot·1/√d, padding keys at -1e9, softmax, batch_dot, FullyConnected o
//   mean_pool   the masked sum over time divided by the real positions
//   dense on a sequence: FullyConnected with flatten=False
//   residual    elemwise_add(body(x), shortcut(x)), shortcut empty = x
#include "backends/mxnet/model/layers.h"

#include <cmath>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/errors.h"

namespace versus::mx {
namespace {

// Which positions of the current batch hold real tokens (1) or padding (0): set by the token
// embedding's forward, read by attention and mean pooling, as a Gluon model passes its mask along.
struct TokenMask {
  Array real;  // [batch, time], float 1/0
};

[[noreturn]] void unsupported(const Layer& l, const std::string& why) {
  throw UnsupportedCase(fmt::format("mxnet: {} ({}) is not supported: {}", l.type, l.name, why));
}

// Weight and optional bias: the layer's params in neutral order.
struct WeightBias {
  NDArrayHandle weight = nullptr, bias = nullptr;
};
WeightBias weight_bias(const Layer& l, ParamStore& params) {
  if (l.params.empty() || l.params.size() > 2)
    unsupported(l, fmt::format("{} parameters, expected weight and bias", l.params.size()));
  WeightBias wb;
  wb.weight = params.single(l.params[0]);
  if (l.params.size() == 2) wb.bias = params.single(l.params[1]);
  return wb;
}
std::vector<NDArrayHandle> with_bias(NDArrayHandle x, const WeightBias& wb) {
  std::vector<NDArrayHandle> in = {x, wb.weight};
  if (wb.bias) in.push_back(wb.bias);
  return in;
}

// One operator call with fixed kwargs and parameter inputs appended after x.
class OpBlock final : public Block {
 public:
  OpBlock(std::string op, Kwargs kwargs, WeightBias wb = {})
      : op_(std::move(op)), kwargs_(std::move(kwargs)), wb_(wb) {}
  Array forward(const Array& x) override {
    return call(op_, wb_.weight ? with_bias(x.get(), wb_) : std::vector<NDArrayHandle>{x.get()}, kwargs_);
  }

 private:
  std::string op_;
  Kwargs kwargs_;
  WeightBias wb_;
};

// loc: begin layer batch_norm
class BatchNormBlock final : public Block {
 public:
  BatchNormBlock(const Layer& l, ParamStore& params) {
    if (l.params.size() != 2) unsupported(l, "expected gamma and beta");
    gamma_ = params.single(l.params[0]);
    beta_ = params.single(l.params[1]);
    const std::vector<int64_t> c = {l.in_shape.at(0)};
    running_mean_ = Array::filled(c, 0.0f);
    running_var_ = Array::filled(c, 1.0f);
    kwargs_ = {{"eps", num(l.epsilon)},       {"momentum", num(l.momentum)}, {"fix_gamma", "False"},
               {"use_global_stats", "False"}, {"output_mean_var", "False"},  {"axis", "1"}};
  }
  Array forward(const Array& x) override {
    return call("BatchNorm", {x.get(), gamma_, beta_, running_mean_.get(), running_var_.get()}, kwargs_);
  }

 private:
  NDArrayHandle gamma_ = nullptr, beta_ = nullptr;
  Array running_mean_, running_var_;
  Kwargs kwargs_;
};
// loc: end

// loc: begin layer embedding
class TokenEmbeddingBlock final : public Block {
 public:
  TokenEmbeddingBlock(const Layer& l, NDArrayHandle weight, std::shared_ptr<TokenMask> mask)
      : embedding_("Embedding",
                   Kwargs{{"input_dim", std::to_string(l.vocab)}, {"output_dim", std::to_string(l.units)},
                          {"dtype", "float32"}, {"sparse_grad", "False"}},
                   {weight, nullptr}),
        mask_(std::move(mask)) {}
  Array forward(const Array& ids) override {
    if (mask_) mask_->real = call("_not_equal_scalar", {ids.get()}, {{"scalar", "0"}});
    return embedding_.forward(ids);
  }

 private:
  OpBlock embedding_;
  std::shared_ptr<TokenMask> mask_;
};
// loc: end

// loc: begin layer positional_embedding
class PositionalBlock final : public Block {
 public:
  explicit PositionalBlock(NDArrayHandle table) : table_(table) {}
  Array forward(const Array& x) override {
    const int64_t time = x.shape().at(1);
    const Array rows = call("slice_axis", {table_}, {{"axis", "0"}, {"begin", "0"}, {"end", std::to_string(time)}});
    const Array one = call("expand_dims", {rows.get()}, {{"axis", "0"}});
    return call("broadcast_add", {x.get(), one.get()});
  }

 private:
  NDArrayHandle table_;
};
// loc: end

// loc: begin layer activation
// 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))), as a Gluon user writes it without a kernel.
class TanhGeluBlock final : public Block {
 public:
  Array forward(const Array& x) override {
    const Array cube = call("_power_scalar", {x.get()}, {{"scalar", "3"}});
    const Array scaled_cube = call("_mul_scalar", {cube.get()}, {{"scalar", "0.044715"}});
    const Array inner = call("elemwise_add", {x.get(), scaled_cube.get()});
    const Array t = call("tanh", {call("_mul_scalar", {inner.get()}, {{"scalar", num(0.7978845608028654)}}).get()});
    const Array one_plus = call("_plus_scalar", {t.get()}, {{"scalar", "1"}});
    return call("_mul_scalar", {call("elemwise_mul", {x.get(), one_plus.get()}).get()}, {{"scalar", "0.5"}});
  }
};
// loc: end

// loc: begin layer multi_head_attention
class SelfAttentionBlock final : public Block {
 public:
  SelfAttentionBlock(const Layer& l, ParamStore& params, std::shared_ptr<TokenMask> mask)
      : heads_(l.units), width_(l.in_shape.at(1)), mask_(std::move(mask)) {
    if (l.params.size() != 8) unsupported(l, "expected wq, bq, wk, bk, wv, bv, wo, bo");
    for (size_t i = 0; i < 4; ++i)
      projections_.emplace_back("FullyConnected",
                                Kwargs{{"num_hidden", std::to_string(width_)}, {"flatten", "False"}, {"no_bias", "False"}},
                                WeightBias{params.single(l.params[2 * i]), params.single(l.params[2 * i + 1])});
  }
  Array forward(const Array& x) override {
    const int64_t batch = x.shape().at(0), time = x.shape().at(1), d = width_ / heads_;
    // [batch, time, width] -> [batch·heads, time, d]
    auto split = [&](const Array& t) {
      const Array four = call("Reshape", {t.get()}, {{"shape", tuple({batch, time, heads_, d})}});
      const Array heads_first = call("transpose", {four.get()}, {{"axes", tuple({0, 2, 1, 3})}});
      return call("Reshape", {heads_first.get()}, {{"shape", tuple({batch * heads_, time, d})}});
    };
    const Array q = split(projections_[0].forward(x)), k = split(projections_[1].forward(x)),
                v = split(projections_[2].forward(x));
    const Array dots = call("batch_dot", {q.get(), k.get()}, {{"transpose_b", "True"}});
    const Array scores = call("_mul_scalar", {dots.get()}, {{"scalar", num(1 / std::sqrt(static_cast<double>(d)))}});
    // Padding keys: (real - 1)·1e9 added, [batch, 1, 1, time] over [batch, heads, time, time].
    const Array shifted = call("_plus_scalar", {mask_->real.get()}, {{"scalar", "-1"}});
    const Array adder = call("Reshape", {call("_mul_scalar", {shifted.get()}, {{"scalar", "1e9"}}).get()},
                             {{"shape", tuple({batch, 1, 1, time})}});
    const Array by_head = call("Reshape", {scores.get()}, {{"shape", tuple({batch, heads_, time, time})}});
    const Array probs = call("softmax", {call("broadcast_add", {by_head.get(), adder.get()}).get()}, {{"axis", "-1"}});
    const Array flat = call("Reshape", {probs.get()}, {{"shape", tuple({batch * heads_, time, time})}});
    const Array out = call("batch_dot", {flat.get(), v.get()});
    const Array four = call("Reshape", {out.get()}, {{"shape", tuple({batch, heads_, time, d})}});
    const Array time_first = call("transpose", {four.get()}, {{"axes", tuple({0, 2, 1, 3})}});
    return projections_[3].forward(call("Reshape", {time_first.get()}, {{"shape", tuple({batch, time, width_})}}));
  }

 private:
  int64_t heads_, width_;
  std::vector<OpBlock> projections_;  // q, k, v, o
  std::shared_ptr<TokenMask> mask_;
};
// loc: end

// loc: begin layer mean_pool
class MaskedMeanPoolBlock final : public Block {
 public:
  explicit MaskedMeanPoolBlock(std::shared_ptr<TokenMask> mask) : mask_(std::move(mask)) {}
  Array forward(const Array& x) override {
    const Array real = call("expand_dims", {mask_->real.get()}, {{"axis", "2"}});  // [batch, time, 1]
    const Array sum = call("sum", {call("broadcast_mul", {x.get(), real.get()}).get()}, {{"axis", "1"}});
    const Array count = call("sum", {real.get()}, {{"axis", "1"}});  // [batch, 1]
    return call("broadcast_div", {sum.get(), count.get()});
  }

 private:
  std::shared_ptr<TokenMask> mask_;
};
// loc: end

// loc: begin layer residual
class ResidualBlock final : public Block {
 public:
  ResidualBlock(std::unique_ptr<Block> body, std::unique_ptr<Block> shortcut)
      : body_(std::move(body)), shortcut_(std::move(shortcut)) {}
  Array forward(const Array& x) override {
    const Array b = body_->forward(x);
    if (!shortcut_) return call("elemwise_add", {b.get(), x.get()});
    const Array s = shortcut_->forward(x);
    return call("elemwise_add", {b.get(), s.get()});
  }

 private:
  std::unique_ptr<Block> body_, shortcut_;
};
// loc: end

class Sequence final : public Block {
 public:
  void add(const Layer& l, std::unique_ptr<Block> b) { layers_.push_back({&l, std::move(b)}); }
  Array forward(const Array& x) override {
    if (layers_.empty()) return call("_copy", {x.get()});
    Array cur;
    const Array* in = &x;
    for (auto& [layer, block] : layers_) {
      cur = block->forward(*in);
      check_shape(*layer, in->shape().at(0), cur);
      in = &cur;
    }
    return cur;
  }

 private:
  static void check_shape(const Layer& l, int64_t batch, const Array& y) {
    std::vector<int64_t> want = {batch};
    want.insert(want.end(), l.out_shape.begin(), l.out_shape.end());
    const std::vector<int64_t> got = y.shape();
    if (got != want)
      throw std::runtime_error(fmt::format("mxnet: {} ({}) gave shape [{}], the network says [{}]", l.type,
                                           l.name, fmt::join(got, ", "), fmt::join(want, ", ")));
  }
  // The layers live in the Network, which outlives the model (MxModel keeps a copy).
  std::vector<std::pair<const Layer*, std::unique_ptr<Block>>> layers_;
};

// loc: begin layer pool
Kwargs window(const Layer& l) {
  return {{"kernel", tuple({l.kernel, l.kernel})},
          {"stride", tuple({l.stride, l.stride})},
          {"pad", tuple({l.padding, l.padding})}};
}

Kwargs pooling(const Layer& l, bool max) {
  Kwargs k = window(l);
  k.insert(k.end(), {{"pool_type", max ? "max" : "avg"},
                     {"pooling_convention", "valid"},
                     {"global_pool", "False"},
                     {"layout", "NCHW"}});
  if (!max) k.emplace_back("count_include_pad", "False");
  return k;
}
// loc: end

std::unique_ptr<Block> build_sequence(const std::vector<Layer>& layers, ParamStore& params,
                                      const std::shared_ptr<TokenMask>& mask);

std::unique_ptr<Block> build_layer(const Layer& l, ParamStore& params, const std::shared_ptr<TokenMask>& mask) {
  const std::string& t = l.type;
  // loc: begin layer dense
  if (t == "dense") {
    if (l.in_shape.size() != 1 && l.in_shape.size() != 2) unsupported(l, "input is neither flat nor a sequence");
    // A sequence keeps its time axis: the same weight at every position.
    Kwargs k = {{"num_hidden", std::to_string(l.units)}, {"flatten", l.in_shape.size() == 1 ? "True" : "False"}};
    const WeightBias wb = weight_bias(l, params);
    k.emplace_back("no_bias", wb.bias ? "False" : "True");
    return std::make_unique<OpBlock>("FullyConnected", std::move(k), wb);
  }
  // loc: end
  // loc: begin layer conv2d
  if (t == "conv2d") {
    if (l.in_shape.size() != 3) unsupported(l, "input is not C,H,W");
    Kwargs k = window(l);
    const WeightBias wb = weight_bias(l, params);
    k.insert(k.end(), {{"dilate", tuple({1, 1})},
                       {"num_filter", std::to_string(l.units)},
                       {"num_group", "1"},
                       {"no_bias", wb.bias ? "False" : "True"},
                       {"layout", "NCHW"}});
    return std::make_unique<OpBlock>("Convolution", std::move(k), wb);
  }
  // loc: end
  // loc: begin layer pool
  if (t == "max_pool" || t == "avg_pool") {
    if (l.in_shape.size() != 3) unsupported(l, "input is not C,H,W");
    if (!l.params.empty()) unsupported(l, "pooling has no parameters");
    return std::make_unique<OpBlock>("Pooling", pooling(l, t == "max_pool"));
  }
  // loc: end
  // loc: begin layer activation
  if (t == "relu" || t == "sigmoid" || t == "tanh")
    return std::make_unique<OpBlock>("Activation", Kwargs{{"act_type", t}});
  if (t == "gelu") {
    if (l.approximate_tanh) return std::make_unique<TanhGeluBlock>();
    return std::make_unique<OpBlock>("LeakyReLU", Kwargs{{"act_type", "gelu"}});
  }
  // loc: end
  // loc: begin layer flatten
  if (t == "flatten") return std::make_unique<OpBlock>("Flatten", Kwargs{});
  // loc: end
  // loc: begin layer batch_norm
  if (t == "batch_norm") {
    if (l.in_shape.empty()) unsupported(l, "input has no channel axis");
    return std::make_unique<BatchNormBlock>(l, params);
  }
  // loc: end
  // loc: begin layer embedding
  if (t == "embedding") {
    if (l.params.size() != 1) unsupported(l, "expected one weight [vocab, dim]");
    return std::make_unique<TokenEmbeddingBlock>(l, params.single(l.params[0]), mask);
  }
  // loc: end
  // loc: begin layer positional_embedding
  if (t == "positional_embedding") {
    if (l.params.size() != 1) unsupported(l, "expected one table [positions, width]");
    return std::make_unique<PositionalBlock>(params.single(l.params[0]));
  }
  // loc: end
  // loc: begin layer layer_norm
  if (t == "layer_norm") {
    const WeightBias wb = weight_bias(l, params);
    return std::make_unique<OpBlock>("LayerNorm", Kwargs{{"axis", "-1"}, {"eps", num(l.epsilon)}, {"output_mean_var", "False"}}, wb);
  }
  // loc: end
  // loc: begin layer multi_head_attention
  if (t == "multi_head_attention") return std::make_unique<SelfAttentionBlock>(l, params, mask);
  // loc: end
  // loc: begin layer mean_pool
  if (t == "mean_pool") return std::make_unique<MaskedMeanPoolBlock>(mask);
  // loc: end
  // loc: begin layer lstm
  if (t == "lstm") return build_lstm(l, params);
  // loc: end
  // loc: begin layer residual
  if (t == "residual") {
    auto body = build_sequence(l.body, params, mask);
    auto shortcut = l.shortcut.empty() ? nullptr : build_sequence(l.shortcut, params, mask);
    return std::make_unique<ResidualBlock>(std::move(body), std::move(shortcut));
  }
  // loc: end
  unsupported(l, "unknown layer type");
}

std::unique_ptr<Block> build_sequence(const std::vector<Layer>& layers, ParamStore& params,
                                      const std::shared_ptr<TokenMask>& mask) {
  auto seq = std::make_unique<Sequence>();
  for (const Layer& l : layers) seq->add(l, build_layer(l, params, mask));
  return seq;
}

}  // namespace

std::unique_ptr<Block> build_sequence(const std::vector<Layer>& layers, ParamStore& params) {
  // The mask only where a layer reads it (nets/network.h's needs_token_mask).
  return build_sequence(layers, params, needs_token_mask(layers) ? std::make_shared<TokenMask>() : nullptr);
}

}  // namespace versus::mx
