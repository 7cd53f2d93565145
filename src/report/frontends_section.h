// The two tiers of each framework in a training report (issue #20): the C++ API that versus drives
// natively beside the Python API its users write (Keras, Gluon, PyTorch), trained from the same
// weights on the same batches, with what the Python frontend costs or saves per step.
#pragma once
#include <optional>
#include <vector>

#include <nlohmann/json.hpp>

#include "report/report_document.h"

namespace versus {

// Empty when no Python-tier run is among `runs`.
std::optional<Section> frontends_section(const std::vector<nlohmann::json>& runs);

}  // namespace versus
