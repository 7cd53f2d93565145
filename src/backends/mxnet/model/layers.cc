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
//   embedding   Embedding (dense gradient, Gluon's default), ids as float32
//   residual    elemwise_add(body(x), shortcut(x)), shortcut empty = x
#include "backends/mxnet/model/layers.h"

#include <stdexcept>
#include <string>
#include <utility>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/errors.h"

namespace versus::mx {
namespace {

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

std::unique_ptr<Block> build_layer(const Layer& l, ParamStore& params) {
  const std::string& t = l.type;
  // loc: begin layer dense
  if (t == "dense") {
    if (l.in_shape.size() != 1) unsupported(l, "input is not flat");
    Kwargs k = {{"num_hidden", std::to_string(l.units)}, {"flatten", "True"}};
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
    const WeightBias wb = {params.single(l.params[0]), nullptr};
    return std::make_unique<OpBlock>("Embedding",
                                     Kwargs{{"input_dim", std::to_string(l.vocab)},
                                            {"output_dim", std::to_string(l.units)},
                                            {"dtype", "float32"},
                                            {"sparse_grad", "False"}},
                                     wb);
  }
  // loc: end
  // loc: begin layer lstm
  if (t == "lstm") return build_lstm(l, params);
  // loc: end
  // loc: begin layer residual
  if (t == "residual") {
    auto body = build_sequence(l.body, params);
    auto shortcut = l.shortcut.empty() ? nullptr : build_sequence(l.shortcut, params);
    return std::make_unique<ResidualBlock>(std::move(body), std::move(shortcut));
  }
  // loc: end
  unsupported(l, "unknown layer type");
}

}  // namespace

std::unique_ptr<Block> build_sequence(const std::vector<Layer>& layers, ParamStore& params) {
  auto seq = std::make_unique<Sequence>();
  for (const Layer& l : layers) seq->add(l, build_layer(l, params));
  return seq;
}

}  // namespace versus::mx
