// Two sections about the frameworks rather than one op: the dispatch-overhead calibration (what
// one tiny op costs in each framework and mode, the floor under every small-shape result) and
// the support matrix (what each framework offers, from its own registry: worker/support.h).
#pragma once
#include <optional>

#include "report/gnuplot_chart.h"
#include "report/report_document.h"
#include "report/report_model.h"

namespace versus {

// The dispatch runs as one chart: each framework and mode's time per tiny op with its interval,
// on a log axis (they span three orders of magnitude); nullopt when the folder has none.
std::optional<Chart> make_dispatch_chart(const ReportData& data);

// From the runs of op "dispatch", with the chart from make_dispatch_chart when `charts` has it;
// nullopt when the folder has no such run.
std::optional<Section> dispatch_section(const ReportData& data, const std::vector<Chart>& charts);

// Per op and direction, over every shape where at least two frameworks (not native) ran: how
// often each framework was the fastest, and the geometric mean of its time ÷ the fastest
// framework's time. nullopt when no shape has two frameworks.
std::optional<Section> family_section(const ReportData& data);

// From context.frameworks.<name>.support (what each worker's --info said); nullopt when no
// framework answered.
std::optional<Section> support_section(const ReportData& data);

}  // namespace versus
