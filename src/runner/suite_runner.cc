#include "runner/suite_runner.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>

#include <fmt/format.h>

#include "core/op_registry.h"
#include "runner/execute.h"

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
  size_t done = 0, index = 0;
  for (const auto& c : plan.cases) {
    ++index;
    if (dir.has_run(c.id())) continue;
    const std::string label = fmt::format("{}{} {} {}:{} {}", c.op, c.direction == "backward" ? "/bwd" : "",
                                          find_op(c.op).shape_label(c.params), c.backend,
                                          c.variant.empty() ? "default" : c.variant,
                                          c.device == "cpu" ? fmt::format("t{}", c.threads) : c.device);
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const std::string eta = done ? " ETA " + duration_text(elapsed / done * (todo - done)) : "";
    std::fprintf(stderr, "[%zu/%zu] %-44s ...%s\n", index, total, label.c_str(), eta.c_str());
    const nlohmann::json doc = execute_case(c, plan.settings, workers.at(c.backend), context);
    dir.write_run(c.id(), doc);
    ++done;
    ++tally.ran;
    const std::string status = doc.value("status", "error");
    if (status == "ok") ++tally.ok;
    else if (status == "unsupported") ++tally.unsupported;
    else ++tally.failed;
    std::fprintf(stderr, "        %s\n", outcome_text(doc).c_str());
    if (verbose)
      for (const auto& p : doc["processes"])
        std::fprintf(stderr, "        pid %d: %s, wall %.2f s, cpu %.2f s, rss %.0f MiB, %zu samples x %lld iterations\n",
                     p.value("pid", 0), p.value("status", "?").c_str(), p["process"]["wall_seconds"].get<double>(),
                     p["process"]["user_cpu_seconds"].get<double>() + p["process"]["system_cpu_seconds"].get<double>(),
                     p["process"]["max_rss_mib"].get<double>(),
                     p.contains("samples_seconds") ? p["samples_seconds"].size() : size_t{0},
                     static_cast<long long>(p.value("iterations_per_sample", 0)));
  }
  return tally;
}

}  // namespace versus
