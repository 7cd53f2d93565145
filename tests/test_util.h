// Helpers shared by the tests: temporary folders and running the versus binary.
#pragma once
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/case_spec.h"
#include "runner/spawn.h"

namespace versus::testing {

// A fresh directory under the system temp dir, removed when the object dies.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

std::filesystem::path bin_dir();
// Runs bin/versus with `args` (and extra env), 300 s limit.
ProcessResult run_versus(const std::vector<std::string>& args, const std::vector<std::string>& env = {});
bool worker_built(const std::string& backend);
// Runs one case in versus-worker-<backend> --run (with extra env, TF's logging quiet, 120 s
// limit) and returns its reply, or {"status": "no reply", "stderr": ...}.
nlohmann::json run_worker_case(const std::string& backend, const CaseSpec& c, std::vector<std::string> env = {});
std::vector<std::filesystem::path> files_under(const std::filesystem::path& dir);

// An HTML file as headless Chromium (Debian's `chromium`) renders it: the DOM after loading and
// the console messages the page logged. `available` is false when no chromium is installed;
// tests then skip, unless VERSUS_REQUIRE_BROWSER is set (CI), where a missing browser fails.
struct BrowserRender {
  bool available = false;
  int exit_code = -1;
  std::string dom;
  // What the page logged to the console. Chromium logs console.error and uncaught exceptions
  // at INFO level too, so every message is kept: the report has no script, so any is a fault.
  std::vector<std::string> console_messages;
};
BrowserRender render_in_chromium(const std::filesystem::path& html, const std::filesystem::path& screenshot = {});

}  // namespace versus::testing

// A component scripts/setup installs (gnuplot, the Fashion-MNIST package, mpirun, SLURM, chromium)
// is missing or cannot start: under scripts/test (VERSUS_REQUIRE_INSTALLED, set by it, so CI) the
// test fails, naming it; elsewhere (a developer's partial machine) it is skipped.
#define VERSUS_SKIP_UNLESS_REQUIRED(message)                                                          \
  do {                                                                                               \
    if (std::getenv("VERSUS_REQUIRE_INSTALLED")) {                                                   \
      FAIL() << message << " -- scripts/setup installs it, and scripts/test requires it";            \
    } else {                                                                                         \
      GTEST_SKIP() << message;                                                                       \
    }                                                                                                \
  } while (0)
