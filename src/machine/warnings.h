// Conditions of the machine that make timings less trustworthy, each with what to do about it.
#pragma once
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace versus {

// `machine` is describe_machine()'s output; `max_threads` the most threads a case will use.
std::vector<std::string> environment_warnings(const nlohmann::json& machine, int max_threads);

}  // namespace versus
