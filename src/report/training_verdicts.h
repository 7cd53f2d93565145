// The training report's answer, first: which run trains fastest, by how much, and how sure —
// each run's step time against the fastest's, with the interval between worker processes, the
// range a rerun lands in, and a verdict.
#pragma once
#include <optional>
#include <vector>

#include <nlohmann/json.hpp>

#include "report/report_document.h"

namespace versus {

// nullopt with fewer than two finished runs.
std::optional<Section> training_verdict_section(const std::vector<nlohmann::json>& runs);

}  // namespace versus
