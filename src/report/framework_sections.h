// Two sections about the frameworks rather than one op: the dispatch-overhead calibration (what
// one tiny op costs in each framework and mode, the floor under every small-shape result) and
// the support matrix (what each framework offers, from its own registry: worker/support.h).
#pragma once
#include <optional>

#include "report/report_document.h"
#include "report/report_model.h"

namespace versus {

// From the runs of op "dispatch"; nullopt when the folder has none.
std::optional<Section> dispatch_section(const ReportData& data);

// From context.frameworks.<name>.support (what each worker's --info said); nullopt when no
// framework answered.
std::optional<Section> support_section(const ReportData& data);

}  // namespace versus
