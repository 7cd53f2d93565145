// Includes TensorFlow's generated protobuf classes (as collective_group.cc does): the wheel ships them with
// the protobuf runtime they were generated for (inside libtensorflow_framework), so RunOptions and
// RunMetadata are built and parsed by TensorFlow's own code, never decoded by hand.
#include "backends/tensorflow/model/step_stats.h"

#include <tensorflow/core/framework/step_stats.pb.h>
#include <tensorflow/core/protobuf/config.pb.h>

#include <algorithm>
#include <cstdint>
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

double exposed_seconds(const TF_Buffer& run_metadata, TF_Graph* graph, const std::string& op_type,
                       const std::string& after_prefix) {
  tensorflow::RunMetadata md;
  if (!md.ParseFromArray(run_metadata.data, static_cast<int>(run_metadata.length)))
    throw std::runtime_error("tensorflow: the session's RunMetadata does not parse");
  int64_t last_of_type = INT64_MIN, last_before = INT64_MIN;
  for (const auto& device : md.step_stats().dev_stats())
    for (const auto& node : device.node_stats()) {
      const int64_t end = node.all_start_micros() + node.all_end_rel_micros();
      TF_Operation* op = TF_GraphOperationByName(graph, node.node_name().c_str());
      if (op && op_type == TF_OperationOpType(op)) last_of_type = std::max(last_of_type, end);
      else if (node.node_name().rfind(after_prefix, 0) == 0) last_before = std::max(last_before, end);
    }
  if (last_of_type == INT64_MIN) return -1;
  return last_before == INT64_MIN ? 0.0 : static_cast<double>(std::max<int64_t>(0, last_of_type - last_before)) * 1e-6;
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
