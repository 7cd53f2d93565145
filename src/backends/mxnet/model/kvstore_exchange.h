// Data-parallel gradient exchange through MXNet's own distributed KVStore, `dist_sync` on
// ps-lite, as Gluon's Trainer uses it: the ranks are ps-lite workers; a scheduler and one server
// run from the same worker executable (serve_kvstore_role). The server has no optimizer (that
// would need Python), so it sums the pushed gradients and every worker pulls the sum and applies
// the update itself with rescale_grad = 1 / world size, as the Trainer's rescale does.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "backends/mxnet/model/params.h"
#include "core/distributed_spec.h"

namespace versus::mx {

class KVStoreExchange {
 public:
  // Joins the job as a worker (blocks until the scheduler has seen every node).
  explicit KVStoreExchange(const DistributedSpec& spec);
  ~KVStoreExchange();  // leaving stops the server and scheduler once every worker has left
  KVStoreExchange(const KVStoreExchange&) = delete;
  KVStoreExchange& operator=(const KVStoreExchange&) = delete;

  int rank() const { return rank_; }
  int world_size() const { return world_; }
  // KVStore init with rank 0's values, then a pull into every worker's parameters.
  void broadcast_parameters(const ParamStore& params);
  // Pushes every gradient and pulls the sum over the workers back into the gradient buffers.
  void sum_gradients(const ParamStore& params);
  nlohmann::json report() const;

 private:
  void* store_ = nullptr;  // KVStoreHandle
  int rank_ = 0, world_ = 1;
  std::vector<double> seconds_;
  int64_t payload_bytes_ = 0;
};

// The scheduler or server role of the job (Backend::serve): returns when the workers have left.
void serve_kvstore_role(const std::string& role, const DistributedSpec& spec);

}  // namespace versus::mx
