// results.csv: one row per run with every scalar a spreadsheet or a plotting script needs.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "report/report_model.h"

namespace versus {

std::string render_csv(const ReportData& data);
// One RFC 4180 field: quoted when it holds a comma, a quote or a line break; quotes doubled.
std::string csv_field(std::string_view value);
// The column names, in order (tests and readers use them instead of positions).
const std::vector<std::string>& csv_columns();

}  // namespace versus
