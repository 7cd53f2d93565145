#include "runner/suite_runner.h"

#include "core/memory_limit.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>

#include <fmt/format.h>

#include "core/op_registry.h"
#include "machine/warnings.h"
#include "runner/context.h"
#include "runner/execute.h"
#include "runner/interleave.h"
#include "core/json_number.h"

namespace versus {
namespace {

std::string duration_text(double seconds) {
  if (seconds < 60) return fmt::format("{:.0f}s", seconds);
  if (seconds < 3600) return fmt::format("{:.0f}m{:02.0f}s", std::floor(seconds / 60), std::fmod(seconds, 60));
  return fmt::format("{:.0f}h{:02.0f}m", std::floor(seconds / 3600), std::fmod(seconds / 60, 60));
}

std::string outcome_text(const nlohmann::json& doc) {
  const std::string status = doc.value("status", "error");
  if (status != "ok") return fmt::format("{}: {}", status, doc.value("reason", std::string()));
  const auto& s = doc["summary"];
  std::string text = fmt::format("{:9.3f} ms [{:.3f}, {:.3f}]", s["median"].get<double>() * 1e3,
                                 s["ci_low"].get<double>() * 1e3, s["ci_high"].get<double>() * 1e3);
  // Ops without arithmetic (loads, copies, gathers) are judged by their bytes.
  const double gflops = doc["gflops"]["median"].get<double>();
  if (gflops == 0 && doc.contains("gbps")) text += fmt::format("  {:7.2f} GB/s", doc["gbps"]["median"].get<double>());
  else text += fmt::format("  {:7.1f} GFLOP/s", gflops);
  if (s.value("ci_half_width", 0.0) > s.value("ci_half_width_target", 1.0))
    text += fmt::format("  WIDE (±{:.0f} %)", s["ci_half_width"].get<double>() * 100);
  if (s["unstable"].get<bool>()) text += fmt::format("  UNSTABLE (cv {:.0f} %)", s["cv"].get<double>() * 100);
  return text;
}

// One comparison (a case in every backend asked for): its runs still to do, in plan order.
struct GroupRuns {
  std::string label;
  std::vector<CaseExecution> runs;
  std::vector<bool> written;
};

std::string group_label(const CaseSpec& first) {
  return fmt::format("{}{} {} {}", first.op, first.direction == "backward" ? "/bwd" : "",
                     find_op(first.op).shape_label(first.params),
                     first.device == "cpu" ? fmt::format("t{}", first.threads) : first.device);
}

}  // namespace

// Round r runs one process of every unfinished run of every group, the suite's groups in order
// and each group's backends rotated by r. So a case's processes are spread over the whole suite
// (its interval then holds the machine's slow drift, which a rerun at another time meets), and
// the backends of one case still run side by side (a comparison within the run is fair).
ResultsDir create_suite_folder(const SuitePlan& plan, const std::map<std::string, WorkerInfo>& workers,
                               const std::filesystem::path& out, int roofline_threads, nlohmann::json& context) {
  std::fprintf(stderr, "versus: measuring the roofline (FMA peak, stream bandwidth)...\n");
  context = build_context(workers, true, roofline_threads);
  int max_threads = 1;
  for (const auto& c : plan.cases) max_threads = std::max(max_threads, c.threads);
  context["warnings"] = environment_warnings(context["machine"], max_threads);
  for (const auto& w : context["warnings"]) std::fprintf(stderr, "warning: %s\n", w.get<std::string>().c_str());
  const ResultsDir dir = ResultsDir::create_new(out, plan.name);
  dir.write_plan(plan);
  dir.write_context(context);
  return dir;
}

SuiteTally run_suite(const ResultsDir& dir, const SuitePlan& plan, const nlohmann::json& context,
                     const std::map<std::string, WorkerInfo>& workers, bool verbose) {
  set_worker_memory_limit(plan.settings.memory_limit_bytes);  // every worker of the suite, resumed or not
  SuiteTally tally;
  const size_t total = plan.cases.size();
  std::vector<GroupRuns> groups;
  size_t todo = 0, kept_processes = 0;
  for (const std::vector<size_t>& indices : comparison_groups(plan.cases)) {
    GroupRuns g;
    for (size_t i : indices)
      if (!dir.has_run(plan.cases[i].id())) {
        g.runs.emplace_back(plan.cases[i], plan.settings, workers.at(plan.cases[i].backend), context);
        const nlohmann::json kept = dir.read_partial(plan.cases[i].id());
        if (kept.is_array()) {
          g.runs.back().restore(kept);
          kept_processes += g.runs.back().processes().size();
        }
      }
    if (g.runs.empty()) continue;
    g.label = group_label(g.runs.front().spec());
    g.written.assign(g.runs.size(), false);
    todo += g.runs.size();
    groups.push_back(std::move(g));
  }
  tally.skipped = static_cast<int>(total - todo);
  if (tally.skipped > 0 || kept_processes > 0)
    std::fprintf(stderr, "resuming: %d of %zu runs already done, %zu processes of unfinished runs kept\n", tally.skipped,
                 total, kept_processes);
  const auto start = std::chrono::steady_clock::now();
  // Progress counts processes: the planned ones, and the extra ones as they are decided.
  size_t planned_processes = todo * static_cast<size_t>(plan.settings.processes);
  size_t processes_done = kept_processes;

  auto finish = [&](CaseExecution& run) {
    const nlohmann::json doc = run.result();
    dir.write_run(run.spec().id(), doc);
    dir.remove_partial(run.spec().id());
    ++tally.ran;
    const std::string status = doc.value("status", "error");
    if (status == "ok") ++tally.ok;
    else if (status == "unsupported") ++tally.unsupported;
    else ++tally.failed;
    std::fprintf(stderr, "        %-24s %s\n",
                 fmt::format("{}:{}", run.spec().backend, run.spec().variant.empty() ? "default" : run.spec().variant).c_str(),
                 outcome_text(doc).c_str());
    if (verbose)
      for (const auto& p : doc["processes"])
        std::fprintf(stderr, "        pid %d: %s, wall %.2f s, cpu %.2f s, rss %.0f MiB, %zu samples x %lld iterations\n",
                     whole_or(p, "pid", 0), p.value("status", "?").c_str(), p["process"]["wall_seconds"].get<double>(),
                     p["process"]["user_cpu_seconds"].get<double>() + p["process"]["system_cpu_seconds"].get<double>(),
                     p["process"]["max_rss_mib"].get<double>(),
                     p.contains("samples_seconds") ? p["samples_seconds"].size() : size_t{0},
                     static_cast<long long>(whole_or(p, "iterations_per_sample", int64_t{0})));
  };

  for (int round = 0;; ++round) {
    bool any = false;
    for (size_t gi = 0; gi < groups.size(); ++gi) {
      GroupRuns& g = groups[gi];
      std::string names;
      for (size_t i = 0; i < g.runs.size(); ++i)
        if (!g.written[i] && g.runs[i].wants_process())
          names += fmt::format("{}{}:{}", names.empty() ? "" : ",", g.runs[i].spec().backend,
                               g.runs[i].spec().variant.empty() ? "default" : g.runs[i].spec().variant);
      if (names.empty()) continue;
      const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      const size_t left = planned_processes > processes_done ? planned_processes - processes_done : 0;
      const std::string eta = processes_done ? " ETA " + duration_text(elapsed / processes_done * left) : "";
      std::fprintf(stderr, "[process %d, %zu/%zu] %s  %s ...%s\n", round + 1, gi + 1, groups.size(), g.label.c_str(),
                   names.c_str(), eta.c_str());
      for (size_t i : round_order(g.runs.size(), round)) {
        if (g.written[i]) continue;
        if (g.runs[i].wants_process()) {
          g.runs[i].run_process();
          if (g.runs[i].wants_process()) dir.write_partial(g.runs[i].spec().id(), g.runs[i].processes());
          ++processes_done;
          if (round >= plan.settings.processes) ++planned_processes;  // an extra one
          any = true;
        }
        // Written the moment it needs no more processes; until then its processes are kept in
        // partial/, so an interruption loses at most the process that was running.
        if (!g.runs[i].wants_process()) {
          g.written[i] = true;
          finish(g.runs[i]);
        }
      }
    }
    if (!any) break;
  }
  return tally;
}

}  // namespace versus
