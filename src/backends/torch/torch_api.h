// Helpers shared by the libtorch backend and its ops.
#pragma once
#include <torch/cuda.h>
#include <torch/torch.h>

#include "core/tensor.h"

namespace versus::th {

// What every torch op gets from the backend: where its tensors live.
struct TorchContext {
  torch::Device device = torch::kCPU;
  torch::ScalarType dtype = torch::kFloat32;  // bfloat16/float16 for gemm and conv2d (core/ops/dtype.h)
};

// A tensor that owns a copy of the harness's data, on `device`, in `dtype` (a 16-bit case's
// inputs are exact in its type, so the conversion is too).
inline torch::Tensor from_host(const HostTensor& t, const torch::Device& device,
                               torch::ScalarType dtype = torch::kFloat32) {
  return torch::from_blob(const_cast<float*>(t.data.data()), t.shape, torch::kFloat32)
      .to(device, dtype, /*non_blocking=*/false, /*copy=*/true);
}

// Ends an iteration: CUDA kernels are queued asynchronously, so the timed region must wait.
inline void synchronize(const torch::Device& device) {
  if (device.is_cuda()) torch::cuda::synchronize(device.index());
}

// float32 on the host; a 16-bit result widens exactly.
inline std::vector<float> to_host(const torch::Tensor& t) {
  const torch::Tensor c = t.to(torch::kCPU, torch::kFloat32).contiguous();
  return {c.data_ptr<float>(), c.data_ptr<float>() + c.numel()};
}

}  // namespace versus::th
