// Helpers shared by the libtorch backend and its ops.
#pragma once
#include <torch/cuda.h>
#include <torch/torch.h>

#include "core/tensor.h"

namespace versus::th {

// What every torch op gets from the backend: where its tensors live.
struct TorchContext {
  torch::Device device = torch::kCPU;
};

// A tensor that owns a copy of the harness's data, on `device`.
inline torch::Tensor from_host(const HostTensor& t, const torch::Device& device) {
  return torch::from_blob(const_cast<float*>(t.data.data()), t.shape, torch::kFloat32).to(device, /*non_blocking=*/false, /*copy=*/true);
}

// Ends an iteration: CUDA kernels are queued asynchronously, so the timed region must wait.
inline void synchronize(const torch::Device& device) {
  if (device.is_cuda()) torch::cuda::synchronize(device.index());
}

inline std::vector<float> to_host(const torch::Tensor& t) {
  const torch::Tensor c = t.to(torch::kCPU).contiguous();
  return {c.data_ptr<float>(), c.data_ptr<float>() + c.numel()};
}

}  // namespace versus::th
