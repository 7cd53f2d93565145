// The optimizers as MXNet's own fused update operators, as gluon.Trainer's updater calls them:
// `op(weight, grad, states..., out=weight)`, in place, outside autograd; rescale_grad 1, wd 0,
// no gradient clipping. Each is the OptimizerSpec formula (nets/network.h) exactly:
//   sgd       sgd_update:      w -= lr·g
//   momentum  sgd_mom_update:  mom = μ·mom - lr·g;  w += mom. With mom = -lr·v this is the
//             neutral v = μ·v + g; w -= lr·v (the learning rate is constant)
//   adam      adam_update:     m, v as the neutral; w -= lr_t·m / (√v + ε). The operator has no
//             bias correction of its own (Gluon's Adam folds it into the rate), so each step
//             passes lr_t = lr·√(1-β2ᵗ)/(1-β1ᵗ), t from 1
#pragma once
#include <vector>

#include "backends/mxnet/model/nd.h"
#include "backends/mxnet/model/params.h"
#include "nets/network.h"

namespace versus::mx {

class Optimizer {
 public:
  // Allocates the state arrays (zeros) for every array of `params`. Throws UnsupportedCase for
  // an unknown kind. `rescale_grad` multiplies every gradient first (the Trainer's rescale: 1 /
  // workers when the gradients are sums over a KVStore's workers).
  Optimizer(const OptimizerSpec& spec, const ParamStore& params, double rescale_grad = 1.0);
  // One update of every parameter from its gradient buffer; queued on the engine, not waited for.
  void step(const ParamStore& params);

 private:
  OptimizerSpec spec_;
  Kwargs fixed_;                       // kwargs every step passes
  std::vector<Array> first_, second_;  // momentum, or Adam's m and v
  int64_t t_ = 0;
};

}  // namespace versus::mx
