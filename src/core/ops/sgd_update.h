// sgd_update: one optimizer update of a parameter tensor of n float32 elements, what a training
// step runs once per parameter after the backward pass. Learning rate and momentum are fixed
// (their values do not change the cost): lr = 0.01, μ = 0.9.
//   momentum false  inputs W, G        -> W' = W − lr·G
//   momentum true   inputs W, G, V     -> V' = μ·V + G,  W' = W − lr·V'   (outputs W', V')
// V is the velocity as PyTorch's SGD and TensorFlow's ApplyMomentum keep it; MXNet's
// sgd_mom_update keeps −lr·V, which its backend converts to and from outside the timed run.
// Backends update in place, as a training step does, with their frameworks' own update: the
// values drift over the timed repetitions, which does not change the work.
#pragma once
#include <cstdint>

#include <nlohmann/json.hpp>

namespace versus {

inline constexpr double kSgdLearningRate = 0.01, kSgdMomentum = 0.9;

struct SgdUpdateParams {
  int64_t n = 0;
  bool momentum = false;
};

// Throws UserError for a missing or out-of-range n or an unknown key.
SgdUpdateParams parse_sgd_update_params(const nlohmann::json& params);

}  // namespace versus
