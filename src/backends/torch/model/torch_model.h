// A network trained through PyTorch's C++ frontend: nn modules, autograd, in-place updates.
#pragma once
#include <memory>
#include <vector>

#include "backends/torch/torch_api.h"
#include "core/tensor.h"
#include "nets/network.h"
#include "worker/model.h"

namespace versus::th {

// Throws UnsupportedCase naming the layer, loss or optimizer that torch cannot do.
std::unique_ptr<Model> make_torch_model(const Network& net, const std::vector<HostTensor>& initial,
                                        const OptimizerSpec& optimizer,
                                        const torch::Device& device = torch::kCPU);

}  // namespace versus::th
