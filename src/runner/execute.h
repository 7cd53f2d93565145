// Runs one case: spawns its worker once per repetition process, turns each process's reply
// (or crash, hang, error) into data, and builds the run's result document.
#pragma once
#include <nlohmann/json.hpp>

#include <optional>

#include "core/case_spec.h"
#include "runner/plan.h"
#include "runner/worker_reply.h"
#include "runner/workers.h"

namespace versus {

// Thrown when the user interrupts: the run in progress is dropped, not written.
struct Interrupted {};

// `context` (machine, roofline, versus version) is copied into the document for provenance.
nlohmann::json execute_case(const CaseSpec& c, const RunSettings& settings, const WorkerInfo& worker,
                            const nlohmann::json& context);

// The attainable GFLOP/s of a case of `flops` and `bytes` per iteration under the measured roofline
// of its device: the CPU's ("roofline", its peak scaled to the case's threads) or the GPU's
// ("gpu_roofline"); nullopt when its device has none measured (a GPU case is never held to the CPU's).
std::optional<double> roofline_bound(const CaseSpec& c, const nlohmann::json& context, double flops, double bytes);

}  // namespace versus
