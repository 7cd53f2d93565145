// Throughput-against-size charts, drawn by gnuplot (run as a child process) as SVG.
#pragma once
#include <string>
#include <vector>

#include "report/report_model.h"

namespace versus {

struct Chart {
  std::string group_key;  // RowGroup::key() of the rows plotted
  std::string title;
  std::string file_name;  // name next to the report, e.g. "chart-gemm-cpu-float32-t2.svg"
  std::string caption;    // what is plotted, in words
  std::string svg;        // the <svg> element, ids made unique per chart; empty when not drawn
  std::string note;       // why there is no chart (gnuplot missing or failed)
};

// One chart per op × direction × device × dtype × thread count that has sized shapes and at least one
// successful run. Never throws for a missing or failing gnuplot: the chart gets a note instead.
std::vector<Chart> make_charts(const ReportData& data);

}  // namespace versus
