// What a finished worker process said: its reply line, or a failure made from how it ended
// (timeout, crash, garbage), plus its resource use. Shared by op runs and training runs.
#pragma once
#include "results/recorded_environment.h"
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "runner/spawn.h"

namespace versus {

// The environment a worker runs with: thread counts pinned for every threading library.
std::vector<std::string> worker_environment(int threads);
// The variables of environment_that_matters() as the worker sees them.
nlohmann::json recorded_environment(const std::vector<std::string>& overrides);

// Whether a worker stdout line is its reply (and not a {"progress": ...} line).
bool is_reply_line(const std::string& line);

// The reply (the last reply line), or {"status": timeout|crashed|error, "reason"} when there is
// none; always with "process" (wall, CPU, peak RSS, exit) and, on failure, the stderr tail.
nlohmann::json worker_reply(const ProcessResult& p, double timeout_seconds);

}  // namespace versus
