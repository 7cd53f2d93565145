// The MXNet Model (model/mx_model.h).
//
// train_step: the forward pass and the loss are recorded (autograd recording and training mode
// on), MXAutogradBackwardEx writes every parameter's gradient buffer (grad_req write), then the
// update operators write the parameters in place outside autograd. The loss array belongs to
// the forward pass, so the value returned is the loss before the update. MXNet queues
// everything on its engine; the step waits for all of it (MXNDArrayWaitAll) before returning,
// so a timed step is a finished step.
// predict: recording off and training mode off (BatchNorm uses its running statistics).
#include "backends/mxnet/model/mx_model.h"

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <stdexcept>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "backends/mxnet/model/hybrid.h"
#include "backends/mxnet/model/layers.h"
#include "backends/mxnet/model/losses.h"
#include "backends/mxnet/model/nd.h"
#include "backends/mxnet/model/optimizers.h"
#include "backends/mxnet/model/params.h"
#include "backends/mxnet/mx_program.h"  // AutogradMode

namespace versus::mx {
namespace {

class MxModel final : public Model {
 public:
  MxModel(const Network& net, const std::vector<HostTensor>& initial, const OptimizerSpec& optimizer, bool hybridize,
          std::unique_ptr<KVStoreExchange> exchange)
      : net_(net), params_(checked(net, initial)), loss_(net_.loss), exchange_(std::move(exchange)) {
    body_ = build_sequence(net_.layers, params_);
    if (hybridize) {
      auto hybrid = std::make_unique<HybridBlock>(std::move(body_));
      hybrid_ = hybrid.get();
      body_ = std::move(hybrid);
    }
    params_.attach_grads();
    if (exchange_) exchange_->broadcast_parameters(params_);
    optimizer_ = std::make_unique<Optimizer>(optimizer, params_, exchange_ ? 1.0 / exchange_->world_size() : 1.0);
  }

  // loc: begin train_step
  float train_step(const HostTensor& x, const std::vector<float>& labels) override {
    const Array input = to_array(x);
    float loss_value = 0;
    {
      Array loss;
      {
        const AutogradMode mode(/*recording=*/true, /*training=*/true);
        const Array logits = body_->forward(input);
        loss = loss_(logits, labels);
      }
      NDArrayHandle head = loss.get();
      // No head gradient: d(loss)/d(loss) = 1, as loss.backward(). retain_graph 0 frees the
      // recorded graph; is_train 1 as under autograd.record().
      check(MXAutogradBackwardEx(1, &head, nullptr, 0, nullptr, /*retain_graph=*/0, /*create_graph=*/0,
                                 /*is_train=*/1, nullptr, nullptr),
            "MXAutogradBackwardEx");
      if (exchange_) exchange_->sum_gradients(params_);
      optimizer_->step(params_);
      // The loss array is the forward pass's: the update above does not touch it.
      loss_value = loss.to_host().at(0);
    }
    check(MXNDArrayWaitAll(), "MXNDArrayWaitAll");
    return loss_value;
  }
  // loc: end

  std::vector<float> predict(const HostTensor& x) override {
    const Array input = to_array(x);
    const AutogradMode mode(/*recording=*/false, /*training=*/false);
    const Array logits = body_->forward(input);
    return logits.to_host();
  }

  nlohmann::json mode_report() const override {
    return hybrid_ ? hybrid_->report() : nlohmann::json{{"cached_op", nullptr}};
  }

  // MXNet's profiler with aggregate statistics (imperative operators, summed per operator name
  // over the step; the engine runs them on its threads), read back as JSON.
  nlohmann::json profile_step(const HostTensor& x, const std::vector<float>& labels) override {
    // The trace MXNet would also dump (to ./profile.json by default) is not wanted: a private
    // temporary file, removed below. Never /dev/null: MXNet replaces its dump file, and a worker
    // running as root would turn the device into a regular file.
    const std::string trace = (std::filesystem::temp_directory_path() /
                               fmt::format("versus-mxnet-profile-{}.json", ::getpid())).string();
    struct RemoveTrace {
      std::string path;
      ~RemoveTrace() { std::error_code ec; std::filesystem::remove(path, ec); }
    } remove_trace{trace};
    const char* keys[] = {"profile_imperative", "aggregate_stats", "continuous_dump", "filename"};
    const char* vals[] = {"true", "true", "false", trace.c_str()};
    check(MXSetProcessProfilerConfig(4, keys, vals, nullptr), "MXSetProcessProfilerConfig");
    const char* text = nullptr;
    check(MXAggregateProfileStatsPrintEx(&text, /*reset=*/1, /*json=*/1, 0, 0), "MXAggregateProfileStatsPrintEx");
    check(MXSetProcessProfilerState(1, /*this process*/ 0, nullptr), "MXSetProcessProfilerState");
    try {
      train_step(x, labels);  // waits for every operator
    } catch (...) {
      MXSetProcessProfilerState(0, 0, nullptr);
      throw;
    }
    check(MXSetProcessProfilerState(0, 0, nullptr), "MXSetProcessProfilerState");
    check(MXAggregateProfileStatsPrintEx(&text, /*reset=*/1, /*json=*/1, 0, 0), "MXAggregateProfileStatsPrintEx");
    const nlohmann::json stats = nlohmann::json::parse(text);
    nlohmann::json ops = nlohmann::json::object();
    const nlohmann::json operators = stats.value("/Time/operator"_json_pointer, nlohmann::json::object());
    for (const auto& [name, st] : operators.items())
      ops[name] = {{"seconds", st.value("Total", 0.0) * 1e-3}, {"calls", st.value("Count", 0)}};  // Total in ms
    return {{"profiler", "MXNet profiler (aggregate_stats, imperative operators)"}, {"ops", ops}};
  }

  nlohmann::json communication_report() const override { return exchange_ ? exchange_->report() : nullptr; }

  std::vector<HostTensor> parameters() override {
    check(MXNDArrayWaitAll(), "MXNDArrayWaitAll");
    return params_.neutral();
  }

 private:
  static const std::vector<HostTensor>& checked(const Network& net, const std::vector<HostTensor>& initial) {
    if (initial.size() != net.params.size())
      throw std::invalid_argument(fmt::format("mxnet: {} initial tensors for {} parameters of {}",
                                              initial.size(), net.params.size(), net.name));
    for (size_t i = 0; i < initial.size(); ++i)
      if (initial[i].shape != net.params[i].shape ||
          static_cast<size_t>(initial[i].elements()) != initial[i].data.size())
        throw std::invalid_argument(
            fmt::format("mxnet: initial tensor {} does not match {}'s shape", i, net.params[i].name));
    return initial;
  }

  Array to_array(const HostTensor& x) const {
    std::vector<int64_t> want = net_.input_shape;
    if (x.shape.size() != want.size() + 1 || !std::equal(want.begin(), want.end(), x.shape.begin() + 1))
      throw std::invalid_argument(
          fmt::format("mxnet: input of shape [{}] for {}", fmt::join(x.shape, ", "), net_.name));
    return Array::from_host(x.shape, x.data);
  }

  Network net_;  // the layers the blocks refer to
  ParamStore params_;
  Loss loss_;
  std::unique_ptr<Block> body_;
  const HybridBlock* hybrid_ = nullptr;  // body_ itself when hybridized
  std::unique_ptr<Optimizer> optimizer_;
  std::unique_ptr<KVStoreExchange> exchange_;  // null: a single process
};

}  // namespace

std::unique_ptr<Model> make_model(const Network& net, const std::vector<HostTensor>& initial,
                                  const OptimizerSpec& optimizer, bool hybridize,
                                  std::unique_ptr<KVStoreExchange> exchange) {
  return std::make_unique<MxModel>(net, initial, optimizer, hybridize, std::move(exchange));
}

}  // namespace versus::mx
