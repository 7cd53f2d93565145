// The trainable TensorFlow model: one graph holding the training pass (forward, loss,
// TF_AddGradients, optimizer updates) and the inference pass, sharing the variables; one
// TF_SessionRun per training step, as a tf.function train step does.
#include "backends/tensorflow/model/tf_model.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <stdexcept>

#include "backends/tensorflow/model/layers.h"
#include "backends/tensorflow/model/losses.h"
#include "backends/tensorflow/model/model_graph.h"
#include "backends/tensorflow/model/optimizers.h"
#include "backends/tensorflow/model/step_stats.h"
#include "core/errors.h"

namespace versus::tf {
namespace {

class TfModel final : public Model {
 public:
  TfModel(const Network& net, const std::vector<HostTensor>& initial, const OptimizerSpec& optimizer,
          const std::string& config)
      : input_shape_(net.input_shape), layouts_(param_layouts(net)), optimizer_(optimizer) {
    if (initial.size() != net.params.size())
      throw std::runtime_error(
          fmt::format("{} initial tensors for {} parameters", initial.size(), net.params.size()));
    std::vector<int64_t> x_dims{-1};
    x_dims.insert(x_dims.end(), net.input_shape.begin(), net.input_shape.end());
    g_.set_scope("input");
    x_ = g_.placeholder("x", TF_FLOAT, x_dims);
    labels_ = g_.placeholder("labels", TF_FLOAT, {-1});

    std::vector<TF_Output> values;
    for (size_t i = 0; i < net.params.size(); ++i) {
      const HostTensor value = to_tf_layout(initial[i], layouts_[i]);
      vars_.push_back(g_.variable(net.params[i].name, value.shape));
      g_.init_from(vars_.back(), value);
      values.push_back(vars_.back().value);
    }

    // loc: begin train_step
    std::map<std::string, RunningStats> running;
    ForwardPass train(g_, vars_, running, /*training=*/true);
    const TF_Output logits = logits_of(net, train.layers(net.layers, train.input(x_, net)));
    loss_ = build_loss(g_, net.loss, net.classes, logits, labels_);
    const std::vector<TF_Output> grads = g_.gradients(loss_, values);
    optimizer_graph_ = build_optimizer(g_, optimizer, vars_, grads, loss_.oper);
    train_targets_ = optimizer_graph_.updates;
    train_targets_.insert(train_targets_.end(), train.updates().begin(), train.updates().end());
    // loc: end

    ForwardPass infer(g_, vars_, running, /*training=*/false);
    predict_ = logits_of(net, infer.layers(net.layers, infer.input(x_, net)));
    g_.start(config);
  }

  float train_step(const HostTensor& x, const std::vector<float>& labels) override { return step(x, labels); }

  // TensorFlow's step stats: the same session run with a full trace, its nodes summed per op type
  // (the executor runs every node itself, so each is a top-level operation).
  nlohmann::json profile_step(const HostTensor& x, const std::vector<float>& labels) override {
    const std::string options = full_trace_run_options();
    Buffer options_buffer(TF_NewBufferFromString(options.data(), options.size()));
    Buffer metadata(TF_NewBuffer());
    step(x, labels, options_buffer.get(), metadata.get());
    return {{"profiler", "TensorFlow step stats (RunOptions FULL_TRACE, RunMetadata)"},
            {"ops", ops_by_type(*metadata, g_.graph())}};
  }

 private:
  // loc: begin train_step
  float step(const HostTensor& x, const std::vector<float>& labels, const TF_Buffer* options = nullptr,
             TF_Buffer* metadata = nullptr) {
    const int64_t batch = check_batch(x);
    if (static_cast<int64_t>(labels.size()) != batch)
      throw std::runtime_error(fmt::format("{} labels for a batch of {}", labels.size(), batch));
    const Tensor xv = make_tensor(TF_FLOAT, x.shape, x.data.data(), x.data.size() * sizeof(float));
    const Tensor lv = make_tensor(TF_FLOAT, {batch}, labels.data(), labels.size() * sizeof(float));
    std::vector<TF_Output> feeds{x_, labels_};
    std::vector<TF_Tensor*> values{xv.get(), lv.get()};
    Tensor b1, b2;
    ++step_;
    if (optimizer_graph_.adam) {
      const auto b1p = static_cast<float>(std::pow(optimizer_.beta1, static_cast<double>(step_)));
      const auto b2p = static_cast<float>(std::pow(optimizer_.beta2, static_cast<double>(step_)));
      b1 = make_tensor(TF_FLOAT, {}, &b1p, sizeof b1p);
      b2 = make_tensor(TF_FLOAT, {}, &b2p, sizeof b2p);
      feeds.insert(feeds.end(), {optimizer_graph_.beta1_power, optimizer_graph_.beta2_power});
      values.insert(values.end(), {b1.get(), b2.get()});
    }
    const std::vector<Tensor> out = g_.run(feeds, values, {loss_}, train_targets_, options, metadata);
    return *static_cast<const float*>(TF_TensorData(out.at(0).get()));
  }
  // loc: end

 public:
  std::vector<float> predict(const HostTensor& x) override {
    check_batch(x);
    const Tensor xv = make_tensor(TF_FLOAT, x.shape, x.data.data(), x.data.size() * sizeof(float));
    const std::vector<Tensor> out = g_.run({x_}, {xv.get()}, {predict_}, {});
    const auto* p = static_cast<const float*>(TF_TensorData(out.at(0).get()));
    return std::vector<float>(p, p + TF_TensorElementCount(out.at(0).get()));
  }

  std::vector<HostTensor> parameters() override {
    std::vector<TF_Output> reads;
    for (const Variable& v : vars_) reads.push_back(v.value);
    const std::vector<Tensor> out = g_.run({}, {}, reads, {});
    std::vector<HostTensor> params;
    for (size_t i = 0; i < vars_.size(); ++i) {
      const auto* p = static_cast<const float*>(TF_TensorData(out[i].get()));
      HostTensor t{vars_[i].name, vars_[i].shape,
                   std::vector<float>(p, p + TF_TensorElementCount(out[i].get()))};
      params.push_back(from_tf_layout(t, layouts_[i]));
      params.back().name = vars_[i].name;
    }
    return params;
  }

 private:
  static TF_Output logits_of(const Network& net, const Activation& out) {
    const int64_t width = net.loss == "sigmoid_cross_entropy" ? 1 : net.classes;
    if (out.nhwc || out.shape != Shape{width})
      throw UnsupportedCase(
          fmt::format("tensorflow: network output [{}] is not supported: the loss {} takes [{}]",
                      fmt::join(out.shape, ","), net.loss, width));
    return out.t;
  }

  int64_t check_batch(const HostTensor& x) const {
    if (x.shape.size() != input_shape_.size() + 1 ||
        !std::equal(input_shape_.begin(), input_shape_.end(), x.shape.begin() + 1))
      throw std::runtime_error(fmt::format("input of shape [{}] for a network taking [batch, {}]",
                                           fmt::join(x.shape, ","), fmt::join(input_shape_, ",")));
    return x.shape[0];
  }

  ModelGraph g_;  // first: destroyed last
  Shape input_shape_;
  std::vector<ParamLayout> layouts_;
  OptimizerSpec optimizer_;
  std::vector<Variable> vars_;
  TF_Output x_{}, labels_{}, loss_{}, predict_{};
  OptimizerGraph optimizer_graph_;
  std::vector<TF_Operation*> train_targets_;
  int64_t step_ = 0;
};

}  // namespace

std::unique_ptr<Model> build_tf_model(const Network& net, const std::vector<HostTensor>& initial,
                                      const OptimizerSpec& optimizer, const std::string& config) {
  return std::make_unique<TfModel>(net, initial, optimizer, config);
}

}  // namespace versus::tf
