// The parameter updates of OptimizerSpec (nets/network.h), applied to a model's tensors.
#pragma once
#include <memory>
#include <vector>

#include "backends/torch/torch_api.h"
#include "nets/network.h"

namespace versus::th {

class Updater {
 public:
  virtual ~Updater() = default;
  // Clears the gradients before the next backward (autograd accumulates into .grad).
  virtual void zero_grad() = 0;
  // One update of every parameter from its .grad.
  virtual void step() = 0;
};

// Throws UnsupportedCase for an optimizer kind it does not know.
std::unique_ptr<Updater> make_updater(const OptimizerSpec& spec, std::vector<torch::Tensor> params);

}  // namespace versus::th
