// Builds the report of a results folder from its files alone (it never reruns anything).
#pragma once
#include <filesystem>
#include <string>
#include <vector>

namespace versus {

struct ReportFiles {
  std::filesystem::path html, markdown, csv;
};

// Writes <out_dir>/report.html (self-contained: charts inlined), report.md and results.csv.
// Throws UserError when the folder is unreadable or holds no results.
ReportFiles write_report(const std::filesystem::path& results_dir, const std::filesystem::path& out_dir);

struct Chart;
struct Document;
// Shared by the op and training reports: creates `out_dir` (UserError when it cannot), writes
// the charts' SVGs first (so report.md never links a missing file), then the CSV, Markdown and HTML.
ReportFiles write_report_files(const std::filesystem::path& out_dir, const std::vector<Chart>& charts,
                               const Document& doc, const std::string& csv);
std::filesystem::path prepare_report_folder(const std::filesystem::path& out_dir);

}  // namespace versus
