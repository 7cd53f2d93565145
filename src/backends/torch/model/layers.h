// Translates a network's layer list (nets/network.h) into a tree of torch::nn modules.
#pragma once
#include <vector>

#include "backends/torch/torch_api.h"
#include "core/tensor.h"
#include "nets/network.h"

namespace versus::th {

// The built module and, in Network::params order, the module's own parameter tensors (the
// optimizer updates these; parameters() reads them). Every module tensor that requires grad is
// one of `params`: a network's trainable parameters are exactly its neutral ones.
struct BuiltLayers {
  torch::nn::Sequential module;
  std::vector<torch::Tensor> params;
};

// Modules on `device`, with `initial` (neutral layout, Network::params order) copied in.
// Throws UnsupportedCase("torch: <layer> is not supported: <why>") for what it cannot build.
BuiltLayers build_layers(const Network& net, const std::vector<HostTensor>& initial,
                         const torch::Device& device);

}  // namespace versus::th
