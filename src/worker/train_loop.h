// The worker's --train mode: builds a network in the framework and trains it on the batches the
// seed fixes, timing every step, evaluating after every epoch and measuring inference.
//
// Request (one JSON line): {"network": <networks/*.json document>, "dataset": {"name", "dir"} or
// {"name": "generated", "train": N, "test": M}, "seed", "threads", "optimizer", "batch",
// "epochs", "max_steps" (0 = whole epochs), "evaluate", "inference": {"latency_runs", "batch"}}.
// Progress lines {"progress": {...}} precede the reply.
#pragma once
#include <functional>

#include <nlohmann/json.hpp>

#include "worker/backend.h"

namespace versus {

using ProgressSink = std::function<void(const nlohmann::json&)>;

nlohmann::json run_training(Backend& backend, const nlohmann::json& request, const ProgressSink& progress);

}  // namespace versus
