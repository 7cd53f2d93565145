// Builds the report of a results folder from its files alone (it never reruns anything).
#pragma once
#include <filesystem>
#include <string>

namespace versus {

struct ReportFiles {
  std::filesystem::path html, markdown, csv;
};

// Writes <out_dir>/report.html (self-contained: charts inlined), report.md and results.csv.
// Throws UserError when the folder is unreadable or holds no results.
ReportFiles write_report(const std::filesystem::path& results_dir, const std::filesystem::path& out_dir);

}  // namespace versus
