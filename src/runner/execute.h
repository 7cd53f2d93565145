// Runs one case: spawns its worker once per repetition process, turns each process's reply
// (or crash, hang, error) into data, and builds the run's result document. The processes of a
// case are run one at a time through CaseExecution so that the suite runner can interleave the
// backends of one case (A B C, B C A, ...): drift on the machine then falls on all of them.
#pragma once
#include <nlohmann/json.hpp>

#include <optional>

#include "core/case_spec.h"
#include "core/stats.h"
#include "runner/plan.h"
#include "runner/worker_reply.h"
#include "runner/workers.h"

namespace versus {

// Thrown when the user interrupts: the run in progress is dropped, not written.
struct Interrupted {};

class CaseExecution {
 public:
  // `context` (machine, roofline, versus version) is copied into the document for provenance.
  CaseExecution(const CaseSpec& c, const RunSettings& settings, const WorkerInfo& worker,
                const nlohmann::json& context);
  // True while a planned process has not run, or the interval between processes is still wider
  // than the target and the budget of extra processes (as many again) is not spent; false once
  // a process failed (a failing case fails the same way again).
  bool wants_process() const;
  // Runs one more worker process. Throws Interrupted when the user stops.
  void run_process();
  // Processes kept from an interrupted suite (ResultsDir::read_partial), taken as if just run.
  void restore(const nlohmann::json& processes);
  const nlohmann::json& processes() const { return processes_; }
  // The result document of the processes run so far.
  nlohmann::json result() const;
  const CaseSpec& spec() const { return case_; }

 private:
  CaseSpec case_;
  RunSettings settings_;
  const WorkerInfo& worker_;
  std::vector<std::string> env_;
  nlohmann::json doc_;
  nlohmann::json processes_ = nlohmann::json::array();
  ProcessSamples samples_;
  std::string status_ = "ok", reason_;
  void take(nlohmann::json reply);
};

// All processes of one case, one after the other (a case run on its own).
nlohmann::json execute_case(const CaseSpec& c, const RunSettings& settings, const WorkerInfo& worker,
                            const nlohmann::json& context);

// The attainable GFLOP/s of a case of `flops` and `bytes` per iteration under the measured roofline
// of its device: the CPU's ("roofline", its peak scaled to the case's threads) or the GPU's
// ("gpu_roofline"); nullopt when its device has none measured (a GPU case is never held to the CPU's).
std::optional<double> roofline_bound(const CaseSpec& c, const nlohmann::json& context, double flops, double bytes);

}  // namespace versus
