#include "runner/suite_runner.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>

#include <fmt/format.h>

#include "core/op_registry.h"
#include "runner/execute.h"
#include "runner/interleave.h"

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
  std::string text = fmt::format("{:9.3f} ms [{:.3f}, {:.3f}]  {:7.1f} GFLOP/s",
                                 s["median"].get<double>() * 1e3, s["ci_low"].get<double>() * 1e3,
                                 s["ci_high"].get<double>() * 1e3, doc["gflops"]["median"].get<double>());
  if (s.value("ci_half_width", 0.0) > s.value("ci_half_width_target", 1.0))
    text += fmt::format("  WIDE (±{:.0f} %)", s["ci_half_width"].get<double>() * 100);
  if (s["unstable"].get<bool>()) text += fmt::format("  UNSTABLE (cv {:.0f} %)", s["cv"].get<double>() * 100);
  return text;
}

}  // namespace

SuiteTally run_suite(const ResultsDir& dir, const SuitePlan& plan, const nlohmann::json& context,
                     const std::map<std::string, WorkerInfo>& workers, bool verbose) {
  SuiteTally tally;
  const size_t total = plan.cases.size();
  size_t todo = 0;
  for (const auto& c : plan.cases) todo += dir.has_run(c.id()) ? 0 : 1;
  tally.skipped = static_cast<int>(total - todo);
  if (tally.skipped > 0)
    std::fprintf(stderr, "resuming: %d of %zu runs already done\n", tally.skipped, total);
  const auto start = std::chrono::steady_clock::now();
  size_t done = 0;
  for (const std::vector<size_t>& group : comparison_groups(plan.cases)) {
    // The group's runs still to do; their processes alternate round by round.
    std::vector<CaseExecution> runs;
    for (size_t i : group)
      if (!dir.has_run(plan.cases[i].id()))
        runs.emplace_back(plan.cases[i], plan.settings, workers.at(plan.cases[i].backend), context);
    if (runs.empty()) continue;
    const CaseSpec& first = runs.front().spec();
    std::string backends;
    for (const auto& r : runs)
      backends += fmt::format("{}{}:{}", backends.empty() ? "" : ",", r.spec().backend,
                              r.spec().variant.empty() ? "default" : r.spec().variant);
    const std::string label = fmt::format("{}{} {} {}", first.op, first.direction == "backward" ? "/bwd" : "",
                                          find_op(first.op).shape_label(first.params),
                                          first.device == "cpu" ? fmt::format("t{}", first.threads) : first.device);
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const std::string eta = done ? " ETA " + duration_text(elapsed / done * (todo - done)) : "";
    std::fprintf(stderr, "[%zu-%zu/%zu] %s  %s ...%s\n", done + tally.skipped + 1, done + tally.skipped + runs.size(),
                 total, label.c_str(), backends.c_str(), eta.c_str());
    // A run is written the moment it needs no more processes, so an interruption loses only the
    // runs still in progress.
    std::vector<bool> written(runs.size(), false);
    auto finish = [&](size_t i) {
      written[i] = true;
      const CaseExecution& run = runs[i];
      const nlohmann::json doc = run.result();
      dir.write_run(run.spec().id(), doc);
      ++done;
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
                       p.value("pid", 0), p.value("status", "?").c_str(), p["process"]["wall_seconds"].get<double>(),
                       p["process"]["user_cpu_seconds"].get<double>() + p["process"]["system_cpu_seconds"].get<double>(),
                       p["process"]["max_rss_mib"].get<double>(),
                       p.contains("samples_seconds") ? p["samples_seconds"].size() : size_t{0},
                       static_cast<long long>(p.value("iterations_per_sample", 0)));
    };
    for (int round = 0;; ++round) {
      bool any = false;
      for (size_t i : round_order(runs.size(), round)) {
        if (written[i]) continue;
        if (runs[i].wants_process()) {
          runs[i].run_process();
          any = true;
        }
        if (!runs[i].wants_process()) finish(i);
      }
      if (!any) break;
    }
  }
  return tally;
}

}  // namespace versus
