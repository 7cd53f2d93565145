// Feeds what `versus report` reads from a training results folder: byte 0 picks the file of a small
// valid folder (fuzz/fixtures/results/train, two runs of a 20-step MLP cut to 4 steps) that the rest
// of the input replaces: 0 a run document, 1 training.json, 2 parity.json, 3 context.json. The
// entry point is the whole write_training_report: its loader is not public, and the report
// indexes the run documents as it draws them. gnuplot is pointed at a missing program, so each
// chart gets its note instead of a child process. Slow (each run computes bootstrap intervals and
// writes the report): see docs/fuzzing.md. Bad input must be a UserError naming the file.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "core/errors.h"
#include "fixture_folder.h"
#include "fuzz_util.h"
#include "report/training_report.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace versus;
  if (size < 1) return 0;
  static fuzz::FixtureFolder train("train", "train");
  static const std::filesystem::path out = [] {
    ::setenv("VERSUS_GNUPLOT", "/nonexistent/gnuplot", 1);
    ::setenv("TMPDIR", fuzz::scratch_dir().c_str(), 1);  // the charts' temporary folders: in memory
    return fuzz::scratch_dir() / "report";
  }();
  static const char* const files[] = {"runs/torch.json", "training.json", "parity.json", "context.json"};
  train.replace(files[data[0] % 4], std::string_view(reinterpret_cast<const char*>(data + 1), size - 1));
  try {
    (void)write_training_report(train.root(), out);
  } catch (const UserError& e) {
    fuzz::rejected(e);
  }
  return 0;
}
