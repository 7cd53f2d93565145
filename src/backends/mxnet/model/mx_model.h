// A network trained in MXNet through its C API, as a Gluon training loop does it:
//   with autograd.record(): loss = loss_fn(net(x), y).mean()
//   loss.backward(); trainer.step(1)
// (model/layers.h builds net, model/optimizers.h is the trainer's updater). `hybridize`: the net
// runs as one CachedOp (model/hybrid.h), as after net.hybridize(static_alloc=True, static_shape=True).
#pragma once
#include <memory>
#include <vector>

#include "backends/mxnet/model/kvstore_exchange.h"
#include "core/tensor.h"
#include "nets/network.h"
#include "worker/model.h"

namespace versus::mx {

// With an `exchange`, the model is one worker of a dist_sync KVStore job: rank 0's parameters
// at the start, and every step's gradients summed over the workers before the update.
std::unique_ptr<Model> make_model(const Network& net, const std::vector<HostTensor>& initial,
                                  const OptimizerSpec& optimizer, bool hybridize,
                                  std::unique_ptr<KVStoreExchange> exchange = nullptr);

}  // namespace versus::mx
