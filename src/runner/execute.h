// Runs one case: spawns its worker once per repetition process, turns each process's reply
// (or crash, hang, error) into data, and builds the run's result document.
#pragma once
#include <nlohmann/json.hpp>

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

}  // namespace versus
