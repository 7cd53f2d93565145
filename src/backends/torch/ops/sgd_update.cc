// sgd_update (core/ops/sgd_update.h) in libtorch: torch::optim::SGD's step() on one parameter,
// what a training step's optimizer.step() runs per parameter. Its momentum buffer is set to V
// through the optimizer's state (the key load_state_dict uses), so the first step continues from
// V instead of starting a new buffer.
#include <torch/optim/sgd.h>

#include "backends/torch/ops/instances.h"
#include "core/ops/sgd_update.h"
#include "worker/op_table.h"

namespace versus::th {
namespace {

class TorchSgdUpdate final : public OpInstance {
 public:
  TorchSgdUpdate(const torch::Device& device, torch::Tensor w, const torch::Tensor& g, const torch::Tensor& v)
      : device_(device),
        w_(std::move(w)),
        sgd_(std::vector<torch::Tensor>{w_},
             torch::optim::SGDOptions(kSgdLearningRate).momentum(v.defined() ? kSgdMomentum : 0.0).dampening(0).nesterov(false)) {
    w_.mutable_grad() = g;
    if (v.defined()) {
      auto state = std::make_unique<torch::optim::SGDParamState>();
      state->momentum_buffer(v);
      sgd_.state()[w_.unsafeGetTensorImpl()] = std::move(state);
      v_ = v;
    }
  }
  void run() override {
    sgd_.step();
    synchronize(device_);
  }
  std::vector<std::vector<float>> outputs() override {
    if (!v_.defined()) return {to_host(w_)};
    return {to_host(w_), to_host(v_)};
  }

 private:
  torch::Device device_;
  torch::Tensor w_, v_;
  torch::optim::SGD sgd_;
};

std::unique_ptr<OpInstance> prepare_sgd_update(const CaseSpec& c, const std::vector<HostTensor>& in,
                                               const TorchContext& ctx) {
  const SgdUpdateParams q = parse_sgd_update_params(c.params);
  if (is_backward(c)) throw UnsupportedCase("sgd_update has no backward pass");
  torch::Tensor w = from_host(in.at(0), ctx.device).requires_grad_(true);  // a parameter, as in a model
  const torch::Tensor g = from_host(in.at(1), ctx.device);
  const torch::Tensor v = q.momentum ? from_host(in.at(2), ctx.device) : torch::Tensor();
  return std::make_unique<TorchSgdUpdate>(ctx.device, std::move(w), g, v);
}
VERSUS_REGISTER_OP(TorchContext, "sgd_update", prepare_sgd_update);

}  // namespace
}  // namespace versus::th
