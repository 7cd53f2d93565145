// TensorFlow's own profiler for one session run: RunOptions asking for a full trace, and the
// per-node times of the RunMetadata that TF_SessionRun fills, summed per op type.
#pragma once
#include <tensorflow/c/c_api.h>

#include <nlohmann/json.hpp>
#include <string>

namespace versus::tf {

// A serialized RunOptions with trace_level FULL_TRACE.
std::string full_trace_run_options();

// How long the nodes of type `op_type` ran on after every node named `after_prefix`... had
// finished, from a serialized RunMetadata: a step's all-reduces start as soon as their gradient is
// ready, overlapping the rest of the backward pass, so what the step waits for is what is left of
// them once the backward pass ("gradients/...") is done. -1 when no such node ran.
double exposed_seconds(const TF_Buffer& run_metadata, TF_Graph* graph, const std::string& op_type,
                       const std::string& after_prefix);

// {op type: {"seconds", "calls"}} from a serialized RunMetadata: every node that ran on every
// device, typed by the kernel its trace label names (after grappler's rewrites, e.g. _FusedConv2D),
// else by its type in `graph`. Throws if the bytes are not a RunMetadata or hold no trace.
nlohmann::json ops_by_type(const TF_Buffer& run_metadata, TF_Graph* graph);

}  // namespace versus::tf
