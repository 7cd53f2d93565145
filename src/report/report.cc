#include "report/report.h"

#include "report/roofline_chart.h"

#include <fmt/format.h>

#include "core/atomic_file.h"
#include "core/errors.h"
#include "report/csv_writer.h"
#include "report/gnuplot_chart.h"
#include "report/html_writer.h"
#include "report/markdown_writer.h"
#include "report/report_content.h"
#include "report/report_model.h"

namespace versus {

ReportFiles write_report(const std::filesystem::path& results_dir, const std::filesystem::path& out_dir) {
  const ReportData data = load_report_data(results_dir);
  std::error_code ec;
  std::filesystem::create_directories(out_dir, ec);
  if (ec || !std::filesystem::is_directory(out_dir))
    throw UserError(fmt::format("cannot create the report folder {}: {}; pass another one with -o",
                                out_dir.string(), ec ? ec.message() : "not a directory"));

  std::vector<Chart> charts = make_charts(data);
  for (Chart& c : make_roofline_charts(data)) charts.push_back(std::move(c));
  // The SVGs go next to the report first, so report.md never links a file that is not there.
  for (const Chart& c : charts)
    if (!c.svg.empty()) write_file_atomically(out_dir / c.file_name, c.svg + "\n");
  const Document doc = build_document(data, charts);

  ReportFiles f{out_dir / "report.html", out_dir / "report.md", out_dir / "results.csv"};
  write_file_atomically(f.csv, render_csv(data));
  write_file_atomically(f.markdown, render_markdown(doc));
  write_file_atomically(f.html, render_html(doc));
  return f;
}

}  // namespace versus
