#include "report/report.h"

#include "core/atomic_file.h"
#include "core/errors.h"
#include "runner/results_dir.h"

namespace versus {

ReportFiles write_report(const std::filesystem::path& results_dir, const std::filesystem::path& out_dir) {
  const ResultsDir dir = ResultsDir::open_existing(results_dir);
  const auto runs = dir.read_runs();
  if (runs.empty()) throw UserError(results_dir.string() + " holds no results yet; run `versus run --resume " + results_dir.string() + "`");
  ReportFiles f{out_dir / "report.html", out_dir / "report.md", out_dir / "results.csv"};
  write_file_atomically(f.markdown, "# versus report\n");
  write_file_atomically(f.html, "<html></html>\n");
  write_file_atomically(f.csv, "id\n");
  return f;
}

}  // namespace versus
