// A network trained in TensorFlow graph mode through the C API (Backend::build_model).
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "core/tensor.h"
#include "nets/network.h"
#include "worker/model.h"

namespace versus::tf {

// `config`: the serialized ConfigProto every session of the worker uses (tf_graph.h).
std::unique_ptr<Model> build_tf_model(const Network& net, const std::vector<HostTensor>& initial,
                                      const OptimizerSpec& optimizer, const std::string& config);

}  // namespace versus::tf
