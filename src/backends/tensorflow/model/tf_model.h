// A network trained in TensorFlow graph mode through the C API (Backend::build_model).
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "core/distributed_spec.h"
#include "core/tensor.h"
#include "nets/network.h"
#include "worker/model.h"

namespace versus::tf {

// `config`: the serialized ConfigProto every session of the worker uses (tf_graph.h).
std::unique_ptr<Model> build_tf_model(const Network& net, const std::vector<HostTensor>& initial,
                                      const OptimizerSpec& optimizer, const std::string& config);
// One task of a data-parallel job (model/collective_group.h): rank 0's initial values, gradients
// averaged by collective all-reduce inside the step's one session run.
std::unique_ptr<Model> build_distributed_tf_model(const Network& net, const std::vector<HostTensor>& initial,
                                                  const OptimizerSpec& optimizer, const std::string& config,
                                                  const DistributedSpec& spec);

}  // namespace versus::tf
