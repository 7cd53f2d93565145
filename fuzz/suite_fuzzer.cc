// Feeds the suite-file path of `versus run SUITE` (runner/plan.h): the input as a suite file read
// by read_suite_file (JSON parse, the case-line scan, the cases of listed networks), expanded by
// expand_suite with a fixed variant lookup; every planned case's id and reproducer (the runner
// names result files by the id); the plan's suite.json form read back as `--resume` reads it,
// which must give the same plan. Then the input itself as a suite.json for --resume.
// Bad input must be a UserError (cmd_run prints it as one); --resume also turns a
// nlohmann::json::exception into one, so that is expected there too.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/errors.h"
#include "fuzz_util.h"
#include "runner/plan.h"

namespace {

// Like a worker's --info: native has three variants and one lacks most ops, torch has none.
std::vector<std::string> variants_of(const std::string& backend, const std::string& op) {
  if (backend == "native") {
    if (op.empty() || op == "gemm") return {"openblas", "onednn", "eigen"};
    return {"openblas", "onednn"};
  }
  if (backend == "mxnet") return {"default"};
  return {};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace versus;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  static const auto path = fuzz::scratch_dir() / "suite.json";
  fuzz::write_bytes(path, text);
  try {
    const nlohmann::json suite = read_suite_file(path.string());
    const SuitePlan plan = expand_suite(suite, variants_of, 2);
    for (const CaseSpec& c : plan.cases) {
      if (c.id().empty() || c.id().find('/') != std::string::npos) std::abort();
      (void)c.reproducer();
    }
    const nlohmann::json written = plan;
    const SuitePlan resumed = written.get<SuitePlan>();
    if (nlohmann::json(resumed) != written) std::abort();
  } catch (const UserError& e) {
    fuzz::rejected(e);
  }
  const nlohmann::json doc = nlohmann::json::parse(text, nullptr, false);
  if (doc.is_discarded()) return 0;
  try {
    (void)doc.get<SuitePlan>();
  } catch (const UserError& e) {
    fuzz::rejected(e);
  } catch (const nlohmann::json::exception& e) {
    fuzz::rejected(e);
  }
  return 0;
}
