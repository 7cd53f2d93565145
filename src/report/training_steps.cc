#include "report/training_steps.h"

#include <algorithm>

#include <fmt/format.h>

#include "core/json_number.h"
#include "report/report_format.h"

namespace versus {

std::vector<double> steady_steps(const nlohmann::json& run) {
  std::vector<double> steps;
  if (run.contains("step_seconds") && run["step_seconds"].is_array())
    for (const auto& x : run["step_seconds"])
      if (x.is_number()) steps.push_back(x.get<double>());
  // The worker says how many steps went to warm-up or lazy compilation (XLA compiles on first
  // use, sometimes on the second step too); never fewer than the first.
  const size_t skip = static_cast<size_t>(std::max<int64_t>(1, whole_or(run, "warmup_steps", int64_t{1})));
  if (steps.size() > skip) steps.erase(steps.begin(), steps.begin() + static_cast<std::ptrdiff_t>(skip));
  else if (steps.size() > 1) steps.erase(steps.begin());
  return steps;
}

ProcessSamples steps_by_process(const nlohmann::json& run) {
  ProcessSamples out;
  if (auto s = steady_steps(run); !s.empty()) out.push_back(std::move(s));
  if (run.contains("repeats") && run["repeats"].is_array())
    for (const auto& r : run["repeats"])
      if (r.value("status", "") == "ok")
        if (auto s = steady_steps(r); !s.empty()) out.push_back(std::move(s));
  return out;
}

Summary step_summary(const nlohmann::json& run) { return summarize_processes(steps_by_process(run)); }

std::string warmup_text(const nlohmann::json& run) {
  const int64_t steps = whole_or(run, "warmup_steps", int64_t{1});
  const double seconds = run.value("warmup_seconds", run.value("first_step_seconds", 0.0));
  return steps > 1 ? fmt::format("{} ({} steps)", format_time(seconds), steps) : format_time(seconds);
}

}  // namespace versus
