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

// {framework: {"cpp": {region: code}, "python": {region: code}}}: the marked regions of each
// framework's C++ worker and Python frontend (core/lines_of_code.h), which a training folder keeps
// (code.json) so its report can show them side by side; build_context leaves them out.
nlohmann::json marked_code(const std::map<std::string, WorkerInfo>& workers);

}  // namespace versus
