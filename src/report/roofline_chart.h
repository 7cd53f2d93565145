// The roofline chart: every successful CPU run placed by arithmetic intensity and GFLOP/s under
// the machine's measured roofline, one chart per thread count.
#pragma once
#include <vector>

#include "report/gnuplot_chart.h"
#include "report/report_model.h"

namespace versus {

std::vector<Chart> make_roofline_charts(const ReportData& data);

}  // namespace versus
