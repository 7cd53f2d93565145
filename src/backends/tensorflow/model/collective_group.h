// Data-parallel gradient exchange through TensorFlow's own distributed runtime, as
// MultiWorkerMirroredStrategy does it in graph mode: every rank runs a gRPC server (TF_NewServer
// with a ServerDef naming the whole cluster), its session talks to its own server, every node is
// placed on its task, and the gradients are averaged by collective all-reduce
// (CollectiveReduceV2, merge Add, final Div) with task 0 as the collective group leader.
#pragma once
#include <tensorflow/c/c_api.h>

#include <string>

#include "backends/tensorflow/model/model_graph.h"
#include "core/distributed_spec.h"

namespace versus::tf {

class CollectiveGroup {
 public:
  // Starts this task's server (the peers may start later: the first collective waits for them).
  explicit CollectiveGroup(const DistributedSpec& spec);
  // The server is never deleted: TensorFlow cannot stop one ("Clean shutdown is not currently
  // implemented"; TF_DeleteServer aborts the process), so it lives until the worker exits.
  ~CollectiveGroup() = default;

  const std::string& target() const { return target_; }  // grpc://host:port, for the session
  const std::string& device() const { return device_; }  // this task's CPU, for every node
  int world_size() const { return world_; }
  int rank() const { return rank_; }
  // `base` (a serialized ConfigProto) plus the collective group leader and a device filter to this
  // task (without it, a session waits for every task before its first run).
  std::string session_config(const std::string& base) const;
  // The sum of `x` over the ranks, then `final_op` ("Div": the mean; "Id": the sum): one
  // CollectiveReduceV2 with an instance key of its own.
  TF_Output all_reduce(ModelGraph& g, TF_Output x, const char* final_op);

 private:
  TF_Server* server_ = nullptr;
  std::string target_, device_;
  int world_ = 1, rank_ = 0;
  double timeout_seconds_ = 120;
  int next_instance_ = 1;
};

}  // namespace versus::tf
