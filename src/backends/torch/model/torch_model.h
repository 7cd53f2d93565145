// A network trained through PyTorch's C++ frontend: nn modules, autograd, in-place updates.
#pragma once
#include <memory>
#include <vector>

#include "backends/torch/model/gloo_exchange.h"
#include "backends/torch/torch_api.h"
#include "core/tensor.h"
#include "nets/network.h"
#include "worker/model.h"

namespace versus::th {

// Throws UnsupportedCase naming the layer, loss or optimizer that torch cannot do. With an
// `exchange`, the model is one rank of a data-parallel job (gradients averaged before each update).
std::unique_ptr<Model> make_torch_model(const Network& net, const std::vector<HostTensor>& initial,
                                        const OptimizerSpec& optimizer,
                                        const torch::Device& device = torch::kCPU,
                                        std::unique_ptr<GradientExchange> exchange = nullptr);

}  // namespace versus::th
