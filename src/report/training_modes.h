// The two tiers of a training command that ran several modes or thread counts of a framework
// (issue #6): what each framework gives out of the box ("defaults") beside the fastest way it
// was run ("tuned"), and every mode with what the framework reported it actually did.
#pragma once
#include <optional>
#include <vector>

#include <nlohmann/json.hpp>

#include "report/report_document.h"

namespace versus {

// Empty when no backend ran more than once (nothing to tier).
std::optional<Section> execution_modes_section(const std::vector<nlohmann::json>& runs);

}  // namespace versus
