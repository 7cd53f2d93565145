// The usability side of a training report: how many lines of each framework's API express the
// network's layers, its loss and its training step, from the marked regions the build counted
// in each worker's source (core/lines_of_code.h), recorded in the context by `versus info`.
#pragma once
#include <optional>

#include <nlohmann/json.hpp>

#include "report/report_document.h"

namespace versus {

// `network`: the network document trained (layers, loss); `frameworks`: context.frameworks (the C++
// workers' counts and their Python frontends'); `code`: the training folder's code.json
// (runner/context.h marked_code), shown side by side where present. Empty when no framework
// recorded its counts.
std::optional<Section> lines_of_code_section(const nlohmann::json& network, const nlohmann::json& frameworks,
                                             const nlohmann::json& code = nullptr);

}  // namespace versus
