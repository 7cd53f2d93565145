// TensorFlow's eager mode for the op catalogue: the op's graph (forward, and for a backward case
// the gradient ops TF_AddGradients emitted) executed node by node with TFE_Execute, in graph
// order, as eager TensorFlow runs the same ops one call at a time, with no session, grappler or
// graph executor. Each node's attributes are set from the graph's own AttrValue protos on every
// call, as an eager op is built anew on every call.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "backends/tensorflow/tf_graph.h"
#include "worker/backend.h"

namespace versus::tf {

struct EagerProgram {
  std::unique_ptr<GraphSession> graph;  // the nodes to replay; its session is never started
  std::vector<TF_Output> feeds;         // Placeholders, given `values`
  std::vector<Tensor> values;
  std::vector<TF_Output> fetches;       // returned by outputs(), in order
  std::vector<int64_t> elements;        // expected element count of each fetch (-1: unknown)
  std::vector<TF_Operation*> targets;   // run without being fetched
  std::string config;                   // serialized ConfigProto (thread pools)
};

std::unique_ptr<OpInstance> make_eager_replay(EagerProgram p);

}  // namespace versus::tf
