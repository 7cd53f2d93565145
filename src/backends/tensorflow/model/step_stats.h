// TensorFlow's own profiler for one session run: RunOptions asking for a full trace, and the
// per-node times of the RunMetadata that TF_SessionRun fills, summed per op type.
#pragma once
#include <tensorflow/c/c_api.h>

#include <nlohmann/json.hpp>
#include <string>

namespace versus::tf {

// A serialized RunOptions with trace_level FULL_TRACE.
std::string full_trace_run_options();

// {op type: {"seconds", "calls"}} from a serialized RunMetadata: every node that ran on every
// device, typed by the kernel its trace label names (after grappler's rewrites, e.g. _FusedConv2D),
// else by its type in `graph`. Throws if the bytes are not a RunMetadata or hold no trace.
nlohmann::json ops_by_type(const TF_Buffer& run_metadata, TF_Graph* graph);

}  // namespace versus::tf
