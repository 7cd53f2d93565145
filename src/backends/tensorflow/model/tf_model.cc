// The trainable TensorFlow model: one graph holding the training pass (forward, loss,
// TF_AddGradients, optimizer updates) and the inference pass, sharing the variables; one
// TF_SessionRun per training step, as a tf.function train step does.
#include "backends/tensorflow/model/tf_model.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <chrono>
#include <stdexcept>
#include <thread>

#include "backends/tensorflow/model/collective_group.h"
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
          const std::string& config, std::unique_ptr<CollectiveGroup> group = nullptr)
      : input_shape_(net.input_shape), images_(takes_images(net)), layouts_(param_layouts(net)), optimizer_(optimizer), group_(std::move(group)) {
    if (group_) g_.set_device(group_->device());
    if (initial.size() != net.params.size())
      throw std::runtime_error(
          fmt::format("{} initial tensors for {} parameters", initial.size(), net.params.size()));
    // Images are fed NHWC, as a Keras user's arrays are (the loop converts the dataset once).
    if (takes_images(net)) input_shape_ = {net.input_shape[1], net.input_shape[2], net.input_shape[0]};
    std::vector<int64_t> x_dims{-1};
    x_dims.insert(x_dims.end(), input_shape_.begin(), input_shape_.end());
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
    std::vector<TF_Output> grads = g_.gradients(loss_, values);
    if (group_) average_over_ranks(grads);
    optimizer_graph_ = build_optimizer(g_, optimizer, vars_, grads, loss_.oper);
    train_targets_ = optimizer_graph_.updates;
    train_targets_.insert(train_targets_.end(), train.updates().begin(), train.updates().end());
    // loc: end

    ForwardPass infer(g_, vars_, running, /*training=*/false);
    predict_ = logits_of(net, infer.layers(net.layers, infer.input(x_, net)));
    if (!group_) {
      g_.start(config);
      return;
    }
    g_.set_scope("distributed");
    std::vector<TF_Output> reads;
    for (const Variable& v : vars_) reads.push_back(v.value);
    broadcast_ = assign_rank0_values(reads);
    barrier_ = group_->all_reduce(g_, g_.scalar(1.0f), "Id");
    g_.start(group_->session_config(config), group_->target());
    g_.run({}, {}, {}, broadcast_);  // every rank starts from rank 0's parameters
  }

  ~TfModel() override {
    if (!group_) return;
    // No rank leaves while a peer may still fetch its last all-reduce share from it (its server
    // goes with the process): a last all-reduce, then a moment for the peers' final receives.
    try {
      g_.run({}, {}, {barrier_}, {});
    } catch (const std::exception&) {  // a peer already gone: nothing left to wait for
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }

  nlohmann::json communication_report() const override {
    if (!group_) return nullptr;
    return {{"engine", "TensorFlow gRPC servers (TF_NewServer), collective group leader task 0"},
            {"collective", "CollectiveReduceV2 (merge Add, final Div) per gradient, inside the step's session run"},
            {"communication_seconds", comm_seconds_},
            {"communication_measured_on", "every 10th step, from its step stats (FULL_TRACE): how long the all-reduces ran "
                                          "on after the backward pass had finished (they overlap it before)"},
            {"payload_bytes", payload_bytes_}};
  }

  float train_step(const HostTensor& x, const std::vector<float>& labels) override { return step(x, labels); }
  bool channels_last() const override { return images_; }
  // Layout work inside the step: the Transpose nodes of the whole training graph (none for a
  // network fed NHWC whose flatten follows TF's own order).
  nlohmann::json mode_report() const override {
    int64_t transposes = 0;
    size_t pos = 0;
    while (TF_Operation* op = TF_GraphNextOperation(g_.graph(), &pos))
      transposes += std::string(TF_OperationOpType(op)) == "Transpose";
    return {{"transposes_in_graph", transposes}};
  }

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
    // Every 10th distributed step is traced, to time its all-reduces (a master session returns
    // step stats only for FULL_TRACE).
    const bool trace = group_ && !options && step_ % 10 == 5;
    const std::string trace_options = trace ? full_trace_run_options() : std::string();
    Buffer trace_buffer(trace ? TF_NewBufferFromString(trace_options.data(), trace_options.size()) : nullptr);
    Buffer trace_metadata(trace ? TF_NewBuffer() : nullptr);
    const std::vector<Tensor> out = g_.run(feeds, values, {loss_}, train_targets_, trace ? trace_buffer.get() : options,
                                           trace ? trace_metadata.get() : metadata);
    if (trace)
      if (const double exposed = exposed_seconds(*trace_metadata, g_.graph(), "CollectiveReduceV2", "gradients/"); exposed >= 0)
        comm_seconds_.push_back(exposed);
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

  // Each gradient replaced by its mean over the ranks.
  void average_over_ranks(std::vector<TF_Output>& grads) {
    g_.set_scope("allreduce");
    for (size_t i = 0; i < grads.size(); ++i) {
      if (!grads[i].oper) continue;  // a parameter the loss does not reach
      grads[i] = group_->all_reduce(g_, grads[i], "Div");
      payload_bytes_ += element_count(vars_[i].shape) * static_cast<int64_t>(sizeof(float));
    }
  }

  // Assignments of every variable to the sum over the ranks of (rank 0: its value, others: 0):
  // rank 0's value, exactly (x + 0 = x), through the same collective runtime.
  std::vector<TF_Operation*> assign_rank0_values(const std::vector<TF_Output>& reads) {
    std::vector<TF_Operation*> assigns;
    const float keep = group_->rank() == 0 ? 1.0f : 0.0f;
    for (size_t i = 0; i < vars_.size(); ++i) {
      const TF_Output mine = g_.op("Mul", {reads[i], g_.scalar(keep)});
      assigns.push_back(g_.node("AssignVariableOp", {vars_[i].handle, group_->all_reduce(g_, mine, "Id")}));
    }
    return assigns;
  }

  ModelGraph g_;  // first: destroyed last
  Shape input_shape_;  // per sample, as fed: [H, W, C] for images
  bool images_;
  std::vector<ParamConversion> layouts_;
  OptimizerSpec optimizer_;
  std::vector<Variable> vars_;
  TF_Output x_{}, labels_{}, loss_{}, predict_{};
  OptimizerGraph optimizer_graph_;
  std::vector<TF_Operation*> train_targets_;
  int64_t step_ = 0;
  std::unique_ptr<CollectiveGroup> group_;  // null: a single process
  std::vector<TF_Operation*> broadcast_;
  TF_Output barrier_{};
  std::vector<double> comm_seconds_;
  int64_t payload_bytes_ = 0;
};

}  // namespace

std::unique_ptr<Model> build_tf_model(const Network& net, const std::vector<HostTensor>& initial,
                                      const OptimizerSpec& optimizer, const std::string& config) {
  return std::make_unique<TfModel>(net, initial, optimizer, config);
}

std::unique_ptr<Model> build_distributed_tf_model(const Network& net, const std::vector<HostTensor>& initial,
                                                  const OptimizerSpec& optimizer, const std::string& config,
                                                  const DistributedSpec& spec) {
  return std::make_unique<TfModel>(net, initial, optimizer, config, std::make_unique<CollectiveGroup>(spec));
}

}  // namespace versus::tf
