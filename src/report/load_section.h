// The report's "Input pipeline: load time" section (issue #22): for each dataset file of a suite's
// load cases, every reader that read it — each framework's own, in its C++ and Python tiers, and
// versus's — with its time, decoded MB/s, peak memory and how it compares with versus's reader;
// the readers that cannot read the format, with why.
#pragma once
#include <optional>

#include "report/report_document.h"
#include "report/report_model.h"

namespace versus {

// Empty when the results hold no load case.
std::optional<Section> load_section(const ReportData& data);

}  // namespace versus
