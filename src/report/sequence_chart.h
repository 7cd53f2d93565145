// How attention's cost grows with the sequence length: for each attention group of the report
// (op × direction × device × dtype × threads) whose runs sweep "seq", time per iteration and the
// memory the first run added, against seq on log-log axes, with a dashed seq² reference line.
#pragma once
#include <vector>

#include "report/gnuplot_chart.h"
#include "report/report_model.h"

namespace versus {

// Two charts (time, memory) per attention group with a series of at least two sequence lengths;
// the memory chart only where runs recorded their memory. Never throws for a missing gnuplot.
std::vector<Chart> make_sequence_charts(const ReportData& data);

// The series a run belongs to: its backend label and every parameter but seq, e.g.
// "torch:eager b8 d32 h4 causal composed" ("" for a run without a seq parameter).
std::string sequence_series_title(const RunRow& r);

}  // namespace versus
