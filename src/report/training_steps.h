// The step times of a training run, as the report's statistics need them: the steady steps of
// the full run (after the first, which holds graph construction and compilation), and per worker
// process — the full run and its repeats — so that intervals are taken between processes.
#pragma once
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/stats.h"

namespace versus {

// step_seconds without the steps before the first steady one (`warmup_steps`, at least one).
std::vector<double> steady_steps(const nlohmann::json& run_or_repeat);
// The full run's steady steps, then each repeat's (run["repeats"]), one group per process.
ProcessSamples steps_by_process(const nlohmann::json& run);
// summarize_processes over steps_by_process: the step time with its interval between processes.
Summary step_summary(const nlohmann::json& run);
// The full run's warm-up as build time: "1.84 s" for the first step alone, "2.31 s (3 steps)" when
// lazy compilation took more (runner/train_runner.h warmup_steps); older runs: their first step.
std::string warmup_text(const nlohmann::json& run);

}  // namespace versus
