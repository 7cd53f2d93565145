#include "report/report.h"

#include "report/framework_sections.h"
#include "report/roofline_chart.h"
#include "report/sequence_chart.h"

#include <fmt/format.h>

#include "core/atomic_file.h"
#include "core/errors.h"
#include "report/csv_writer.h"
#include "report/gnuplot_chart.h"
#include "report/html_writer.h"
#include "report/markdown_writer.h"
#include "report/report_content.h"
#include "report/report_model.h"
#include "report/distributed_report.h"
#include "report/training_report.h"

namespace versus {

std::filesystem::path prepare_report_folder(const std::filesystem::path& out_dir) {
  std::error_code ec;
  std::filesystem::create_directories(out_dir, ec);
  if (ec || !std::filesystem::is_directory(out_dir))
    throw UserError(fmt::format("cannot create the report folder {}: {}; pass another one with -o",
                                out_dir.string(), ec ? ec.message() : "not a directory"));
  return out_dir;
}

ReportFiles write_report_files(const std::filesystem::path& out_dir, const std::vector<Chart>& charts,
                               const Document& doc, const std::string& csv) {
  for (const Chart& c : charts)
    if (!c.svg.empty()) write_file_atomically(out_dir / c.file_name, c.svg + "\n");
  ReportFiles f{out_dir / "report.html", out_dir / "report.md", out_dir / "results.csv"};
  write_file_atomically(f.csv, csv);
  write_file_atomically(f.markdown, render_markdown(doc));
  write_file_atomically(f.html, render_html(doc));
  return f;
}

ReportFiles write_report(const std::filesystem::path& results_dir, const std::filesystem::path& out_dir) {
  if (is_training_folder(results_dir)) return write_training_report(results_dir, out_dir);
  if (is_distributed_folder(results_dir)) return write_distributed_report(results_dir, out_dir);
  try {
    const ReportData data = load_report_data(results_dir);
    prepare_report_folder(out_dir);
    std::vector<Chart> charts = make_charts(data);
    for (Chart& c : make_roofline_charts(data)) charts.push_back(std::move(c));
    for (Chart& c : make_sequence_charts(data)) charts.push_back(std::move(c));
    if (auto c = make_dispatch_chart(data)) charts.push_back(std::move(*c));
    return write_report_files(out_dir, charts, build_document(data, charts), render_csv(data));
  } catch (const nlohmann::json::exception& e) {
    // The report reads context.json and suite.json as versus writes them: one of another shape
    // (edited by hand, or cut short) is the folder's problem, not an internal error (found by
    // fuzz/results_fuzzer).
    throw UserError(fmt::format("{}: context.json or suite.json has a field of an unexpected type ({}); "
                                "cannot write its report", results_dir.string(), e.what()));
  }
}

}  // namespace versus
