// The report's result model: every run document of a results folder turned into one flat row,
// plus the folder's plan and context. All renderers (CSV, Markdown, HTML, charts) read this.
#pragma once
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/stats.h"

namespace versus {

// One run (or one planned case that has no result file yet). Optional fields are absent when
// the run did not produce them, e.g. a failed run has no timing summary.
struct RunRow {
  std::string id, op, shape, backend, variant, device, dtype;
  std::string direction = "forward";  // or "backward" (gradients)
  nlohmann::json params = nlohmann::json::object();
  int threads = 0;
  uint64_t seed = 0;
  std::string status;  // "ok", "unsupported", "error", "crashed", "timeout", "validation_failed", "not run"
  std::string reason;
  std::string reproducer, created;
  bool quick = false;
  int processes = 0;    // worker processes that ran
  int64_t samples = 0;  // timing samples over all processes
  std::vector<double> samples_seconds;  // the raw samples, pooled
  ProcessSamples samples_by_process;    // the same, per worker process: verdicts compare processes
  std::optional<double> median, mean, stddev, min, max, ci_low, ci_high, cv, cv_threshold;
  std::optional<bool> unstable;
  // The interval's half-width ÷ median, and the target the runner aimed for with extra processes.
  std::optional<double> ci_half_width, ci_half_width_target;
  int extra_processes = 0;
  bool imprecise() const { return ci_half_width && ci_half_width_target && *ci_half_width > *ci_half_width_target; }
  std::optional<double> gflops, gflops_ci_low, gflops_ci_high, gbps;
  std::optional<double> roofline_bound, roofline_fraction;
  std::optional<double> max_rel_error, max_abs_error, tolerance;
  // NVML over the worker processes of a GPU run (machine/nvml.h): peak memory used, mean
  // utilisation, peak power; absent on the CPU or without NVML.
  std::optional<double> gpu_peak_memory_mib, gpu_utilization_pct, gpu_power_max_w;
  std::optional<double> max_rss_mib;  // the median over the worker processes of each one's peak RSS
  // The median over the worker processes of what the first (validated) run added to resident
  // memory at its peak (worker/peak_memory.h): e.g. what a reader allocates to read a file.
  std::optional<double> first_run_memory_mib;
  std::string tier = "cpp";           // python: a run of a Python frontend
  std::string api;                    // the API the run went through, where the worker said (mode_report.api)
  std::optional<bool> validation_passed;
  std::string validation_metric;
  nlohmann::json framework, threads_used, environment, timing;
  std::string stderr_tail;  // of the failing worker, when it said anything
  // Processes whose samples were shorter than the timing plan's minimum sample length: timer
  // resolution and one-off stalls then weigh on the result (e.g. calibration during a slow warm-up).
  std::vector<std::string> timing_warnings;
  double flops = 0;         // work of one iteration; orders rows by size
  double size = 0;          // chart x: cube root of m·n·k; 0 when the op has no m, n, k
  std::string transpose;    // "nn", "nt", ... for gemm; empty otherwise

  std::string label() const { return backend + ":" + (variant.empty() ? "default" : variant); }
  bool ok() const { return status == "ok" && median.has_value(); }
};

// A run document's samples per worker process (a document from before processes were kept
// apart gives one group of its pooled samples: no interval between processes then).
ProcessSamples process_samples_of(const nlohmann::json& doc);

struct ReportData {
  std::filesystem::path root;
  nlohmann::json suite;    // suite.json as written
  nlohmann::json context;  // context.json, or the first run's context when that file is missing
  std::vector<RunRow> rows;  // ordered by op, device, dtype, threads, size, shape, backend, variant
  // Judgements the runner stored with the context (load, governor, oversubscription...).
  std::vector<std::string> environment_warnings;
  // Runs recorded under a machine/frameworks/versus context other than context.json's: numbers
  // from a resumed suite may then come from a different setup.
  std::vector<std::string> context_mismatches;
  // Run files that could not be read (truncated, garbled, another schema): left out, named.
  std::vector<std::string> unreadable_files;
};

// Reads the folder (never reruns anything). Throws UserError when the folder is not a results
// folder, a file is corrupt, or there is no run at all.
ReportData load_report_data(const std::filesystem::path& results_dir);

// Rows grouped the way tables and charts are: same op, direction, device, dtype and thread count.
struct RowGroup {
  std::string op, direction, device, dtype;
  int threads = 0;
  std::vector<const RunRow*> rows;

  bool backward() const { return direction == "backward"; }
  // File-name-safe and unique per group, e.g. "gemm-cpu-float32-t2" or "gemm-backward-cpu-float32-t2".
  std::string key() const;
  // For people, e.g. "gemm · cpu · float32 · 2 threads".
  std::string title() const;
};
std::vector<RowGroup> group_rows(const ReportData& data);

// The measured compute peak a case with `threads` threads can reach, scaled from the roofline's
// own thread count the same way the runner scales it for roofline_fraction; 0 when unknown.
double peak_gflops_for(const nlohmann::json& context, int threads);

}  // namespace versus
