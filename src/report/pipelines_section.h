// The training report's "Input pipeline" section (issue #22): each Python frontend's epoch fed
// through its own pipelines (Keras fit with arrays, a tf.data Dataset or a generator; Gluon's and
// PyTorch's DataLoader in the process or in a worker process) against the same epoch fed from
// memory: the step as the epoch pays for it (feeding included), the ratio with its interval between
// worker processes, and the share of the epoch spent outside the timed steps.
#pragma once
#include <optional>
#include <vector>

#include <nlohmann/json.hpp>

#include "report/report_document.h"

namespace versus {

// Empty when every run was fed from memory.
std::optional<Section> pipelines_section(const std::vector<nlohmann::json>& runs);

// Per worker process, the seconds per steady step as the epochs took them (feeding included): the
// epochs' time less the warm-up steps, over the steps after them. Empty when a run has no epochs.
std::vector<std::vector<double>> fed_steps_by_process(const nlohmann::json& run);

}  // namespace versus
