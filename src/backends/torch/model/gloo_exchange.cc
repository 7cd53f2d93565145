#include "backends/torch/model/gloo_exchange.h"

#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#include <chrono>

namespace versus::th {
namespace {

using Clock = std::chrono::steady_clock;

class GlooExchange final : public GradientExchange {
 public:
  explicit GlooExchange(const DistributedSpec& spec) : world_(spec.world_size) {
    const auto timeout = std::chrono::milliseconds(static_cast<int64_t>(spec.timeout_seconds * 1000));
    c10d::TCPStoreOptions store_options;
    store_options.port = static_cast<uint16_t>(spec.port);
    store_options.isServer = spec.rank == 0;
    store_options.numWorkers = static_cast<size_t>(spec.world_size);
    store_options.waitWorkers = true;
    store_options.timeout = timeout;
    auto store = c10::make_intrusive<c10d::TCPStore>(spec.host, store_options);
    auto options = c10d::ProcessGroupGloo::Options::create();
    options->timeout = timeout;
    options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname(spec.host_of(spec.rank)));
    group_ = c10::make_intrusive<c10d::ProcessGroupGloo>(store, spec.rank, spec.world_size, options);
  }

  void broadcast_parameters(std::vector<torch::Tensor>& params) override {
    torch::NoGradGuard no_grad;
    for (auto& p : params) {
      std::vector<at::Tensor> one{p.data()};
      group_->broadcast(one)->wait();
    }
  }

  void average_gradients(std::vector<torch::Tensor>& params) override {
    torch::NoGradGuard no_grad;
    const auto t0 = Clock::now();
    std::vector<torch::Tensor> flat;
    flat.reserve(params.size());
    for (auto& p : params) {
      if (!p.grad().defined()) p.mutable_grad() = torch::zeros_like(p);  // every rank sends the same layout
      flat.push_back(p.grad().reshape({-1}));
    }
    std::vector<at::Tensor> bucket{torch::cat(flat)};
    group_->allreduce(bucket)->wait();
    bucket[0].div_(world_);
    int64_t at = 0;
    for (auto& p : params) {
      const int64_t n = p.numel();
      p.mutable_grad().copy_(bucket[0].narrow(0, at, n).view_as(p));
      at += n;
    }
    payload_bytes_ = at * static_cast<int64_t>(sizeof(float));
    seconds_.push_back(std::chrono::duration<double>(Clock::now() - t0).count());
  }

  nlohmann::json report() const override {
    return {{"engine", "torch c10d ProcessGroupGloo (TCPStore rendezvous)"},
            {"collective", "allreduce (sum, then / world size) of one flat gradient bucket"},
            {"communication_seconds", seconds_},
            {"payload_bytes", payload_bytes_}};
  }

 private:
  int world_;
  c10::intrusive_ptr<c10d::ProcessGroupGloo> group_;
  std::vector<double> seconds_;
  int64_t payload_bytes_ = 0;
};

}  // namespace

std::string gloo_status() { return "c10d ProcessGroupGloo"; }

std::unique_ptr<GradientExchange> join_gloo_group(const DistributedSpec& spec) {
  return std::make_unique<GlooExchange>(spec);
}

}  // namespace versus::th
