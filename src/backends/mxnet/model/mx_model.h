// A network trained in MXNet through its C API, as a Gluon training loop does it:
//   with autograd.record(): loss = loss_fn(net(x), y).mean()
//   loss.backward(); trainer.step(1)
// (model/layers.h builds net, model/optimizers.h is the trainer's updater). `hybridize`: the net
// runs as one CachedOp (model/hybrid.h), as after net.hybridize(static_alloc=True, static_shape=True).
#pragma once
#include <memory>
#include <vector>

#include "core/tensor.h"
#include "nets/network.h"
#include "worker/model.h"

namespace versus::mx {

std::unique_ptr<Model> make_model(const Network& net, const std::vector<HostTensor>& initial,
                                  const OptimizerSpec& optimizer, bool hybridize);

}  // namespace versus::mx
