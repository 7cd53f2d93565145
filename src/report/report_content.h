// What the report says, decided once for every format: provenance, notes, per-op tables and
// charts, methodology and per-run details, as a renderer-neutral Document.
#pragma once
#include <vector>

#include "report/gnuplot_chart.h"
#include "report/report_document.h"
#include "report/report_model.h"

namespace versus {

Document build_document(const ReportData& data, const std::vector<Chart>& charts);

}  // namespace versus
