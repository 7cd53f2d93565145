// A network trained in MXNet through its C API, as a Gluon training loop does it:
//   with autograd.record(): loss = loss_fn(net(x), y).mean()
//   loss.backward(); trainer.step(1)
// (model/layers.h builds net, model/optimizers.h is the trainer's updater).
#pragma once
#include <memory>
#include <vector>

#include "core/tensor.h"
#include "nets/network.h"
#include "worker/model.h"

namespace versus::mx {

std::unique_ptr<Model> make_model(const Network& net, const std::vector<HostTensor>& initial,
                                  const OptimizerSpec& optimizer);

}  // namespace versus::mx
