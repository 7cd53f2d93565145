// The graph of a trainable TensorFlow model: nodes named after the layer that adds them,
// resource variables with their one-time initialisers, gradients, and the session running it.
#pragma once
#include <tensorflow/c/c_api.h>

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "backends/tensorflow/graph_builder.h"
#include "backends/tensorflow/tf_graph.h"
#include "core/tensor.h"

namespace versus::tf {

// A resource variable (VarHandleOp) and the one ReadVariableOp through which the graph uses
// it, as tf.Variable does in graph mode: every consumer in one TF_SessionRun sees the value
// read once, and an optimizer update in that same run copies on write instead of changing it.
struct Variable {
  std::string name;
  TF_Output handle{};
  TF_Output value{};
  std::vector<int64_t> shape;  // TF's layout
};

class ModelGraph {
 public:
  using Attrs = std::function<void(Desc)>;

  TF_Graph* graph() const { return gs_.graph(); }

  // Nodes are named "<scope>/<type>_<n>", so TF's errors and graph dumps name the layer.
  void set_scope(std::string scope) { scope_ = std::move(scope); }
  // Every node added from now on is placed on `device` (a distributed task's CPU).
  void set_device(std::string device) { device_ = std::move(device); }

  // Adds a node; type attributes are inferred from the inputs, `attrs` sets the op's options.
  // `after` become control inputs: the node runs only once they have.
  TF_Operation* node(const char* type, const std::vector<TF_Output>& inputs, const Attrs& attrs = {},
                     const std::vector<TF_Operation*>& after = {});
  TF_Output op(const char* type, const std::vector<TF_Output>& inputs, const Attrs& attrs = {}) {
    return {node(type, inputs, attrs), 0};
  }

  // dims may hold -1 (the batch axis: it varies between calls).
  TF_Output placeholder(const std::string& name, TF_DataType type, const std::vector<int64_t>& dims);
  TF_Output const_int32(const std::vector<int32_t>& v, const std::vector<int64_t>& dims);
  TF_Output const_int32(const std::vector<int32_t>& v) { return const_int32(v, {int64_t(v.size())}); }
  TF_Output scalar_int32(int32_t v);
  TF_Output scalar(float v);
  TF_Output empty_float();  // shape [0]: FusedBatchNorm's mean/variance in training mode
  TF_Output transpose(TF_Output x, const std::vector<int32_t>& perm) {
    return op("Transpose", {x, const_int32(perm)});
  }
  TF_Output reshape(TF_Output x, const std::vector<int32_t>& dims) {
    return op("Reshape", {x, const_int32(dims)});
  }

  // A float resource variable of `shape`, uninitialised until initialise() runs one of:
  Variable variable(const std::string& name, const std::vector<int64_t>& shape);
  // its value fed once from `value` (TF layout, same element count), or
  void init_from(const Variable& v, const HostTensor& value);
  // every element set to `fill`.
  void init_fill(const Variable& v, float fill);

  // d(y)/d(xs) from TF's C++ gradient registry, seeded with ones (y is the scalar loss). An
  // output `y` does not depend on comes back as {nullptr, 0}.
  std::vector<TF_Output> gradients(TF_Output y, const std::vector<TF_Output>& xs);

  // Creates the session (after the last node is added) and runs the initialisers once;
  // `target` names a server (grpc://...) for a distributed session, empty for an in-process one.
  void start(const std::string& config, const std::string& target = "");

  // One TF_SessionRun; returns the fetched tensors, owned. `options` (a serialized RunOptions)
  // and `metadata` (filled with a RunMetadata) are for profiling: see step_stats.h.
  std::vector<Tensor> run(const std::vector<TF_Output>& feeds, const std::vector<TF_Tensor*>& values,
                          const std::vector<TF_Output>& fetches, const std::vector<TF_Operation*>& targets,
                          const TF_Buffer* options = nullptr, TF_Buffer* metadata = nullptr);

 private:
  std::string unique_name(const std::string& base);

  GraphSession gs_;
  std::string scope_ = "model";
  std::string device_;
  int nodes_ = 0;
  // Initialisers: placeholders with their values, and the assignments to run.
  std::vector<TF_Output> init_feeds_;
  std::vector<Tensor> init_values_;
  std::vector<TF_Operation*> init_targets_;
};

}  // namespace versus::tf
