// The two shapes every torch op instance takes, so that each ops/*.cc file only says how to
// call the framework: a forward step, or the backward pass of a recorded autograd graph.
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "backends/torch/torch_api.h"
#include "core/case_spec.h"
#include "core/errors.h"
#include "worker/backend.h"

namespace versus::th {

inline bool is_backward(const CaseSpec& c) {
  if (c.direction != "forward" && c.direction != "backward")
    throw UnsupportedCase("torch worker knows directions forward and backward, not '" + c.direction + "'");
  return c.direction == "backward";
}

// A leaf tensor that autograd differentiates with respect to.
inline torch::Tensor leaf(const HostTensor& t, const torch::Device& device, torch::ScalarType dtype = torch::kFloat32) {
  return from_host(t, device, dtype).requires_grad_(true);
}

// Forward: `step` computes the op's one output from tensors it captured at prepare time
// (writing into a preallocated output where ATen has an out= variant that is the same kernel).
class TorchForward final : public OpInstance {
 public:
  using Step = std::function<torch::Tensor()>;
  TorchForward(const torch::Device& device, Step step) : device_(device), step_(std::move(step)) {}

  void run() override {
    torch::NoGradGuard no_grad;  // inference: no graph is recorded
    y_ = step_();
    synchronize(device_);
  }

  std::vector<std::vector<float>> outputs() override { return {to_host(y_)}; }

 private:
  torch::Device device_;
  Step step_;
  torch::Tensor y_;
};

// Backward cases time one training step of the op, the same in every backend (TensorFlow
// and MXNet can only run it that way): run() records the forward on leaf tensors that require
// grad, then runs autograd's backward through it — the kernels loss.backward() dispatches for
// this op (threshold_backward, convolution_backward, native_batch_norm_backward, ...) plus the
// engine's own bookkeeping, which users pay too.
class TorchBackward final : public OpInstance {
 public:
  using Forward = std::function<torch::Tensor()>;
  // `forward` computes the op's output from `wrt`; `dy` is the upstream gradient, undefined
  // for a scalar loss (autograd then seeds it with 1, as loss.backward() does).
  TorchBackward(const torch::Device& device, std::vector<torch::Tensor> wrt, Forward forward, torch::Tensor dy)
      : device_(device), wrt_(std::move(wrt)), forward_(std::move(forward)), dy_(std::move(dy)) {}

  void run() override {
    const torch::Tensor y = forward_();
    grads_ = torch::autograd::grad(
        {y}, wrt_, dy_.defined() ? torch::autograd::variable_list{dy_} : torch::autograd::variable_list{},
        /*retain_graph=*/false, /*create_graph=*/false, /*allow_unused=*/false);
    synchronize(device_);
  }

  // Gradients in the order of `wrt`, which callers give in the reference's order.
  std::vector<std::vector<float>> outputs() override {
    std::vector<std::vector<float>> out;
    for (const torch::Tensor& g : grads_) out.push_back(to_host(g));
    return out;
  }

 private:
  torch::Device device_;
  std::vector<torch::Tensor> wrt_;
  Forward forward_;
  torch::Tensor dy_;
  std::vector<torch::Tensor> grads_;
};

}  // namespace versus::th
