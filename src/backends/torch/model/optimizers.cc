// sgd and momentum are torch::optim::SGD, whose update is exactly OptimizerSpec's (buffer
// v = μ·v + g with no dampening, starting from v = g, i.e. from v = 0; w -= lr·v). torch's own
// Adam divides by √v̂ + ε with bias-corrected v̂, not TF's √v + ε with the correction folded into
// the step size, so adam is written out here with in-place ATen ops.
#include "backends/torch/model/optimizers.h"

#include <cmath>

#include "core/errors.h"

namespace versus::th {
namespace {

class TorchSgd final : public Updater {
 public:
  TorchSgd(std::vector<torch::Tensor> params, double lr, double momentum)
      : sgd_(std::move(params),
             torch::optim::SGDOptions(lr).momentum(momentum).dampening(0).nesterov(false)) {}
  void zero_grad() override { sgd_.zero_grad(); }
  void step() override { sgd_.step(); }

 private:
  torch::optim::SGD sgd_;
};

// step t from 1:  m = β1·m + (1−β1)·g;  v = β2·v + (1−β2)·g²;  w -= lr·√(1−β2ᵗ)/(1−β1ᵗ) · m/(√v + ε)
class TfAdam final : public Updater {
 public:
  TfAdam(std::vector<torch::Tensor> params, const OptimizerSpec& spec)
      : params_(std::move(params)), spec_(spec) {
    torch::NoGradGuard no_grad;
    for (const auto& p : params_) {
      m_.push_back(torch::zeros_like(p));
      v_.push_back(torch::zeros_like(p));
    }
  }

  void zero_grad() override {
    for (auto& p : params_)
      if (p.grad().defined()) p.mutable_grad().zero_();
  }

  void step() override {
    torch::NoGradGuard no_grad;
    ++t_;
    const double b1 = spec_.beta1, b2 = spec_.beta2;
    const double step_size = spec_.learning_rate * std::sqrt(1.0 - std::pow(b2, static_cast<double>(t_))) /
                             (1.0 - std::pow(b1, static_cast<double>(t_)));
    for (size_t i = 0; i < params_.size(); ++i) {
      const torch::Tensor& g = params_[i].grad();
      if (!g.defined()) continue;  // a parameter the loss does not reach (as torch.optim skips it)
      m_[i].mul_(b1).add_(g, 1.0 - b1);
      v_[i].mul_(b2).addcmul_(g, g, 1.0 - b2);
      params_[i].addcdiv_(m_[i], v_[i].sqrt().add_(spec_.epsilon), -step_size);
    }
  }

 private:
  std::vector<torch::Tensor> params_, m_, v_;
  OptimizerSpec spec_;
  int64_t t_ = 0;
};

}  // namespace

std::unique_ptr<Updater> make_updater(const OptimizerSpec& spec, std::vector<torch::Tensor> params) {
  if (spec.kind == "sgd") return std::make_unique<TorchSgd>(std::move(params), spec.learning_rate, 0.0);
  if (spec.kind == "momentum")
    return std::make_unique<TorchSgd>(std::move(params), spec.learning_rate, spec.momentum);
  if (spec.kind == "adam") return std::make_unique<TfAdam>(std::move(params), spec);
  throw UnsupportedCase("torch: optimizer '" + spec.kind +
                        "' is not supported: known are sgd, momentum and adam");
}

}  // namespace versus::th
