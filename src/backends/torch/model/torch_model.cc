// The Model a PyTorch user writes: module.train(), zero_grad, forward, loss, backward, step;
// predictions under module.eval() and NoGradGuard. Losses are torch's functional ones with
// their default mean reduction.
#include "backends/torch/model/torch_model.h"

#include <torch/csrc/autograd/profiler_kineto.h>

#include <algorithm>
#include <map>
#include <set>

#include <stdexcept>
#include <string>

#include "backends/torch/model/layers.h"
#include "backends/torch/model/optimizers.h"
#include "core/errors.h"

namespace versus::th {
namespace {

// The profiler's CPU events summed by name over the calls no other event of their thread encloses.
nlohmann::json top_level_ops(const std::vector<torch::autograd::profiler::KinetoEvent>& events) {
  std::map<uint64_t, std::vector<const torch::autograd::profiler::KinetoEvent*>> by_thread;
  for (const auto& e : events)
    if (e.deviceType() == c10::DeviceType::CPU && !e.isAsync()) by_thread[e.startThreadId()].push_back(&e);
  nlohmann::json ops = nlohmann::json::object();
  for (auto& [thread, list] : by_thread) {
    // Outer before inner: by start, then the longer first.
    std::sort(list.begin(), list.end(), [](const auto* a, const auto* b) {
      return a->startNs() != b->startNs() ? a->startNs() < b->startNs() : a->endNs() > b->endNs();
    });
    uint64_t open_until = 0;
    for (const auto* e : list) {
      if (e->startNs() < open_until) continue;  // inside the last top-level call
      open_until = e->endNs();
      auto& op = ops[e->name()];
      if (op.is_null()) op = {{"seconds", 0.0}, {"calls", 0}};
      op["seconds"] = op["seconds"].get<double>() + static_cast<double>(e->durationNs()) * 1e-9;
      op["calls"] = op["calls"].get<int>() + 1;
    }
  }
  return ops;
}

class TorchModel final : public Model {
 public:
  TorchModel(const Network& net, const std::vector<HostTensor>& initial, const OptimizerSpec& optimizer,
             const torch::Device& device, std::unique_ptr<GradientExchange> exchange)
      : device_(device), specs_(net.params), loss_kind_(net.loss), exchange_(std::move(exchange)) {
    if (loss_kind_ != "softmax_cross_entropy" && loss_kind_ != "sigmoid_cross_entropy")
      throw UnsupportedCase("torch: loss '" + loss_kind_ +
                            "' is not supported: known are softmax_cross_entropy and sigmoid_cross_entropy");
    BuiltLayers built = build_layers(net, initial, device_);
    module_ = std::move(built.module);
    params_ = std::move(built.params);
    if (exchange_) exchange_->broadcast_parameters(params_);
    updater_ = make_updater(optimizer, params_);
  }

  // loc: begin train_step
  float train_step(const HostTensor& x, const std::vector<float>& labels) override {
    const int64_t batch = x.shape.empty() ? 0 : x.shape[0];
    if (static_cast<int64_t>(labels.size()) != batch)
      throw std::invalid_argument("torch: " + std::to_string(labels.size()) + " labels for a batch of " +
                                  std::to_string(batch));
    module_->train();
    zero_grad();
    const torch::Tensor logits = module_->forward(from_host(x, device_));
    const torch::Tensor loss = loss_of(logits, labels);
    loss.backward();
    if (exchange_) exchange_->average_gradients(params_);
    update();
    return loss.item<float>();  // on CUDA this waits for the step's kernels
  }
  // loc: end

  std::vector<float> predict(const HostTensor& x) override {
    torch::NoGradGuard no_grad;
    module_->eval();
    const torch::Tensor logits = module_->forward(from_host(x, device_));
    std::vector<float> out = to_host(logits);
    module_->train();
    return out;
  }

  // torch's profiler as 2.x offers it (Kineto: what torch.profiler.profile records), CPU
  // activities. An event not inside another event of its thread is a top-level call (backward
  // ops appear as the autograd engine's "evaluate_function: XBackward0", the optimizer as the
  // scopes named in train_step).
  nlohmann::json profile_step(const HostTensor& x, const std::vector<float>& labels) override {
    namespace P = torch::autograd::profiler;
    namespace I = torch::profiler::impl;
    std::set<I::ActivityType> activities{I::ActivityType::CPU};
    if (device_.is_cuda()) activities.insert(I::ActivityType::CUDA);
    P::prepareProfiler(I::ProfilerConfig(I::ProfilerState::KINETO), activities);
    P::enableProfiler(I::ProfilerConfig(I::ProfilerState::KINETO), activities);
    try {
      train_step(x, labels);
    } catch (...) {
      P::disableProfiler();
      throw;
    }
    const std::unique_ptr<P::ProfilerResult> result = P::disableProfiler();
    return {{"profiler", "torch::autograd::profiler (Kineto, CPU activities)"}, {"ops", top_level_ops(result->events())}};
  }

  nlohmann::json communication_report() const override { return exchange_ ? exchange_->report() : nullptr; }

  std::vector<HostTensor> parameters() override {
    torch::NoGradGuard no_grad;
    std::vector<HostTensor> out;
    out.reserve(params_.size());
    for (size_t i = 0; i < params_.size(); ++i)
      out.push_back(HostTensor{specs_[i].name, params_[i].sizes().vec(), to_host(params_[i].detach())});
    return out;
  }

 private:
  // The optimizer's calls as named scopes, so the profiler shows them as such (free otherwise).
  void zero_grad() {
    RECORD_USER_SCOPE("optimizer.zero_grad");
    updater_->zero_grad();
  }
  void update() {
    RECORD_USER_SCOPE("optimizer.step");
    updater_->step();
  }

  // loc: begin loss
  torch::Tensor loss_of(const torch::Tensor& logits, const std::vector<float>& labels) const {
    namespace F = torch::nn::functional;
    const auto batch = static_cast<int64_t>(labels.size());
    const torch::Tensor y = torch::from_blob(const_cast<float*>(labels.data()), {batch}, torch::kFloat32)
                                .to(device_, false, true);
    if (loss_kind_ == "softmax_cross_entropy") return F::cross_entropy(logits, y.to(torch::kLong));
    // sigmoid_cross_entropy: logits [B, 1], labels 0/1
    return F::binary_cross_entropy_with_logits(logits, y.view(logits.sizes()));
  }
  // loc: end

  torch::Device device_;
  std::vector<ParamSpec> specs_;
  std::string loss_kind_;
  torch::nn::Sequential module_{nullptr};
  std::vector<torch::Tensor> params_;
  std::unique_ptr<Updater> updater_;
  std::unique_ptr<GradientExchange> exchange_;  // null: a single process
};

}  // namespace

std::unique_ptr<Model> make_torch_model(const Network& net, const std::vector<HostTensor>& initial,
                                        const OptimizerSpec& optimizer, const torch::Device& device,
                                        std::unique_ptr<GradientExchange> exchange) {
  return std::make_unique<TorchModel>(net, initial, optimizer, device, std::move(exchange));
}

}  // namespace versus::th
