// The provenance block shared by every result of a suite: machine, roofline, frameworks, tool.
#pragma once
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "runner/workers.h"

namespace versus {

std::map<std::string, WorkerInfo> probe_workers(const std::vector<std::string>& backends);
nlohmann::json build_context(const std::map<std::string, WorkerInfo>& workers, bool with_roofline,
                             int roofline_threads);

}  // namespace versus
