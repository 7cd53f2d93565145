// Includes TensorFlow's generated protobuf classes (as step_stats.cc does): the ServerDef and
// ConfigProto are built by TensorFlow's own code, with the protobuf runtime the wheel ships.
#include "backends/tensorflow/model/collective_group.h"

#include <tensorflow/core/protobuf/cluster.pb.h>
#include <tensorflow/core/protobuf/config.pb.h>
#include <tensorflow/core/protobuf/tensorflow_server.pb.h>

#include <fmt/format.h>

#include <stdexcept>

#include "backends/tensorflow/tf_graph.h"

namespace versus::tf {
namespace {

constexpr int kGroupKey = 1;

std::string leader() { return "/job:worker/replica:0/task:0"; }

}  // namespace

CollectiveGroup::CollectiveGroup(const DistributedSpec& spec)
    : world_(spec.world_size), rank_(spec.rank), timeout_seconds_(spec.timeout_seconds) {
  tensorflow::ServerDef server;
  tensorflow::JobDef* job = server.mutable_cluster()->add_job();
  job->set_name("worker");
  for (int task = 0; task < spec.world_size; ++task)
    (*job->mutable_tasks())[task] = fmt::format("{}:{}", spec.host_of(task), spec.port + task);
  server.set_job_name("worker");
  server.set_task_index(spec.rank);
  server.set_protocol("grpc");
  server.mutable_default_session_config()->mutable_experimental()->set_collective_group_leader(leader());
  const std::string bytes = server.SerializeAsString();
  Status s;
  server_ = TF_NewServer(bytes.data(), bytes.size(), s);
  // TensorFlow says only "Could not start gRPC server": name the address it could not take.
  s.check(fmt::format("TF_NewServer for task {} at {}:{} (is the port in use on that host?)", spec.rank, spec.host_of(spec.rank),
                      spec.port + spec.rank));
  TF_ServerStart(server_, s);
  s.check("TF_ServerStart");
  target_ = TF_ServerTarget(server_);
  device_ = fmt::format("/job:worker/replica:0/task:{}/device:CPU:0", spec.rank);
}

std::string CollectiveGroup::session_config(const std::string& base) const {
  tensorflow::ConfigProto config;
  if (!config.ParseFromString(base)) throw std::runtime_error("tensorflow: the session config does not parse");
  config.mutable_experimental()->set_collective_group_leader(leader());
  config.add_device_filters(fmt::format("/job:worker/replica:0/task:{}", rank_));
  return config.SerializeAsString();
}

TF_Output CollectiveGroup::all_reduce(ModelGraph& g, TF_Output x, const char* final_op) {
  const TF_Output size = g.scalar_int32(world_), group = g.scalar_int32(kGroupKey),
                  instance = g.scalar_int32(next_instance_++);
  const float timeout = static_cast<float>(timeout_seconds_);
  const std::string final_name = final_op;
  return g.op("CollectiveReduceV2", {x, size, group, instance}, [timeout, final_name](Desc d) {
    TF_AddInputList(d, nullptr, 0);  // ordering_token: none
    TF_SetAttrString(d, "merge_op", "Add", 3);
    TF_SetAttrString(d, "final_op", final_name.data(), final_name.size());
    TF_SetAttrString(d, "communication_hint", "auto", 4);
    TF_SetAttrFloat(d, "timeout_seconds", timeout);  // a peer that stalls fails the step, never hangs it
  });
}

}  // namespace versus::tf
