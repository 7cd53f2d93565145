// Runs every case of a plan that has no result yet, with a progress line and an ETA.
#pragma once
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "runner/plan.h"
#include "results/results_dir.h"
#include "runner/workers.h"

namespace versus {

struct SuiteTally {
  int ran = 0, skipped = 0, ok = 0, failed = 0, unsupported = 0;
};

// Throws Interrupted (runner/execute.h) when the user stops it; finished runs stay on disk.
// A new results folder under `out` for `plan`, holding the plan and its context (machine, the
// roofline measured at `roofline_threads`, the workers, the environment's warnings, printed):
// what run_suite then fills. `context` receives the context written.
ResultsDir create_suite_folder(const SuitePlan& plan, const std::map<std::string, WorkerInfo>& workers,
                               const std::filesystem::path& out, int roofline_threads, nlohmann::json& context);

SuiteTally run_suite(const ResultsDir& dir, const SuitePlan& plan, const nlohmann::json& context,
                     const std::map<std::string, WorkerInfo>& workers, bool verbose);

}  // namespace versus
