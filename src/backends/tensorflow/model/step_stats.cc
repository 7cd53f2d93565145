// The only file that includes TensorFlow's generated protobuf classes: the wheel ships them with
// the protobuf runtime they were generated for (inside libtensorflow_framework), so RunOptions and
// RunMetadata are built and parsed by TensorFlow's own code, never decoded by hand.
#include "backends/tensorflow/model/step_stats.h"

#include <tensorflow/core/framework/step_stats.pb.h>
#include <tensorflow/core/protobuf/config.pb.h>

#include <stdexcept>

namespace versus::tf {
namespace {

// "model/dense_3 = MatMul(input/x, model/w)" -> "MatMul"; nodes the runtime adds have no graph entry.
std::string type_from_label(const std::string& label) {
  const size_t eq = label.find(" = ");
  if (eq == std::string::npos) return "";
  const size_t open = label.find('(', eq);
  return label.substr(eq + 3, open == std::string::npos ? std::string::npos : open - eq - 3);
}

}  // namespace

std::string full_trace_run_options() {
  tensorflow::RunOptions options;
  options.set_trace_level(tensorflow::RunOptions::FULL_TRACE);
  return options.SerializeAsString();
}

nlohmann::json ops_by_type(const TF_Buffer& run_metadata, TF_Graph* graph) {
  tensorflow::RunMetadata md;
  if (!md.ParseFromArray(run_metadata.data, static_cast<int>(run_metadata.length)))
    throw std::runtime_error("tensorflow: the session's RunMetadata does not parse");
  if (md.step_stats().dev_stats_size() == 0)
    throw std::runtime_error("tensorflow: the session returned no step stats for a FULL_TRACE run");
  nlohmann::json ops = nlohmann::json::object();
  for (const auto& device : md.step_stats().dev_stats()) {
    for (const auto& node : device.node_stats()) {
      // The label names the kernel that ran: grappler rewrites nodes (Conv2D + BiasAdd become a
      // _FusedConv2D that keeps the BiasAdd's name), so the graph's type is only the fallback.
      std::string type = type_from_label(node.timeline_label());
      if (type.empty())
        if (TF_Operation* op = TF_GraphOperationByName(graph, node.node_name().c_str())) type = TF_OperationOpType(op);
      if (type.empty()) type = node.node_name();  // e.g. _SOURCE
      auto& entry = ops[type];
      if (entry.is_null()) entry = {{"seconds", 0.0}, {"calls", 0}};
      entry["seconds"] = entry["seconds"].get<double>() + static_cast<double>(node.all_end_rel_micros()) * 1e-6;
      entry["calls"] = entry["calls"].get<int>() + 1;
    }
  }
  return ops;
}

}  // namespace versus::tf
