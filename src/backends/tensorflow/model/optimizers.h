// Optimizer updates as TensorFlow's fused training ops on resource variables, what tf.keras'
// SGD / momentum / Adam optimizers run in graph mode.
#pragma once
#include <vector>

#include "backends/tensorflow/model/model_graph.h"
#include "nets/network.h"

namespace versus::tf {

struct OptimizerGraph {
  std::vector<TF_Operation*> updates;  // run as targets of every training step
  // Adam: β1ᵗ and β2ᵗ, fed on every step (Keras keeps them as the iteration count; either way
  // TF's kernel receives these two scalars).
  bool adam = false;
  TF_Output beta1_power{}, beta2_power{};
};

// Updates every variable in `vars` by its gradient in `grads` (same order; a {nullptr, 0} gradient,
// a parameter the loss does not depend on, counts as zero). Each update runs after `after`
// (the loss), so it never changes a variable before this step's forward pass has read it.
OptimizerGraph build_optimizer(ModelGraph& g, const OptimizerSpec& o, const std::vector<Variable>& vars,
                               const std::vector<TF_Output>& grads, TF_Operation* after);

}  // namespace versus::tf
