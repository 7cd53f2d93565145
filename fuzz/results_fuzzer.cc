// Feeds what `versus report` and `versus compare` read from an op suite's results folder. Byte 0
// picks the file of a small valid folder (fuzz/fixtures/results/ops) that the rest of the input
// replaces: 0 its run document, 1 suite.json, 2 context.json. The folder goes through the CLI's
// two entry points: write_report (load_report_data, whose ResultsDir::read_runs names a bad run
// and goes on; the charts, with gnuplot pointed at a missing program so each gets its note
// instead of a child process; CSV, Markdown and HTML) and compare_results against the valid
// folder. Bad input must be a UserError naming the folder or file: anything else reaches the user
// as "internal error". (Training folders: training_report_fuzzer.)
#include <cstdint>
#include <cstdlib>
#include <string>

#include "core/errors.h"
#include "fixture_folder.h"
#include "fuzz_util.h"
#include "report/compare.h"
#include "report/report.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace versus;
  if (size < 1) return 0;
  static fuzz::FixtureFolder good("good", "ops"), fuzzed("ops", "ops");
  static const std::filesystem::path out = [] {
    ::setenv("VERSUS_GNUPLOT", "/nonexistent/gnuplot", 1);
    ::setenv("TMPDIR", fuzz::scratch_dir().c_str(), 1);  // the charts' temporary folders: in memory
    return fuzz::scratch_dir() / "report";
  }();
  static const char* const files[] = {"runs/gemm-64-native.json", "suite.json", "context.json"};
  fuzzed.replace(files[data[0] % 3], std::string_view(reinterpret_cast<const char*>(data + 1), size - 1));
  try {
    (void)write_report(fuzzed.root(), out);
  } catch (const UserError& e) {
    fuzz::rejected(e);
  }
  try {
    const ComparisonResult r = compare_results(good.root(), fuzzed.root(), 0.05);
    (void)format_comparison(r, good.root(), fuzzed.root(), 0.05);
  } catch (const UserError& e) {
    fuzz::rejected(e);
  }
  return 0;
}
