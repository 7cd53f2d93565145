#include "report/compare.h"

#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "report/report_model.h"
#include "runner/results_dir.h"

namespace versus {
namespace {

std::map<std::string, nlohmann::json> runs_by_id(const std::filesystem::path& dir) {
  std::map<std::string, nlohmann::json> out;
  for (auto& doc : ResultsDir::open_existing(dir).read_runs()) {
    // The id first: json's operator= takes its argument by value, which C++17 builds before
    // the left side is evaluated, so `out[doc["id"]] = std::move(doc)` would read a moved-from doc.
    const std::string id = doc.value("id", std::string());
    out[id] = std::move(doc);
  }
  return out;
}

size_t sample_count(const ProcessSamples& by_process) {
  size_t n = 0;
  for (const auto& p : by_process) n += p.size();
  return n;
}

// The roofline each run measured at its start, when both have one.
std::vector<ControlDrift> control_drift(const std::filesystem::path& a, const std::filesystem::path& b) {
  std::vector<ControlDrift> out;
  const nlohmann::json ca = ResultsDir::open_existing(a).read_context(), cb = ResultsDir::open_existing(b).read_context();
  if (!ca.contains("roofline") || !cb.contains("roofline") || !ca["roofline"].is_object() || !cb["roofline"].is_object())
    return out;
  for (const char* key : {"peak_gflops", "bandwidth_gbs"}) {
    const double va = ca["roofline"].value(key, 0.0), vb = cb["roofline"].value(key, 0.0);
    if (va > 0 && vb > 0) out.push_back({key, va, vb});
  }
  return out;
}

}  // namespace

ComparisonResult compare_results(const std::filesystem::path& a, const std::filesystem::path& b, double threshold) {
  const auto runs_a = runs_by_id(a), runs_b = runs_by_id(b);
  ComparisonResult result;
  result.controls = control_drift(a, b);
  for (const auto& c : result.controls) {
    const double r = c.ratio();
    result.drift = std::max(result.drift, std::max(r, 1 / r) - 1);
  }
  std::map<std::string, int> ids;
  for (const auto& [id, doc] : runs_a) ids[id] |= 1;
  for (const auto& [id, doc] : runs_b) ids[id] |= 2;
  for (const auto& [id, where] : ids) {
    CaseComparison c;
    c.id = id;
    if (where != 3) {
      c.status = where == 1 ? "only in A" : "only in B";
    } else {
      const auto& da = runs_a.at(id);
      const auto& db = runs_b.at(id);
      const std::string sa = da.value("status", "?"), sb = db.value("status", "?");
      if (sa != "ok" || sb != "ok") {
        c.status = sa != "ok" ? "A: " + sa : "B: " + sb;
      } else {
        const ProcessSamples xa = process_samples_of(da), xb = process_samples_of(db);
        c.samples_a = sample_count(xa);
        c.samples_b = sample_count(xb);
        c.ratio = process_ratio(xa, xb);
        c.verdict = judge(c.ratio, 0.05, kEquivalenceMargin, result.drift);
        c.status = "compared";
      }
    }
    if (c.status != "compared") {
      ++result.not_compared;
    } else {
      switch (c.verdict) {
        case Verdict::kFaster: ++result.faster; break;
        case Verdict::kSlower: ++result.slower; break;
        case Verdict::kSame: ++result.same; break;
        case Verdict::kAmbiguous: ++result.ambiguous; break;
      }
      if (c.verdict == Verdict::kSlower && c.ratio.ci_low > 1.0 + std::max(threshold, result.drift)) ++result.regressions;
    }
    result.cases.push_back(std::move(c));
  }
  return result;
}

std::string format_comparison(const ComparisonResult& r, const std::filesystem::path& a,
                              const std::filesystem::path& b, double threshold) {
  std::string out = fmt::format("A = {}\nB = {}\ntime ratio B/A (< 1: B is faster), 95 % Welch interval and two-sided "
                                "Welch t-test between worker processes\n",
                                a.string(), b.string());
  for (const auto& c : r.controls)
    out += fmt::format("machine control {}: A {:.4g}, B {:.4g} ({:+.1f} %)\n", c.name, c.a, c.b, (c.ratio() - 1) * 100);
  if (r.drift > kEquivalenceMargin)
    out += fmt::format("the machine itself drifted by {:.1f} % between the runs: differences within ±{:.1f} % are "
                       "its drift, not the software's, and are not called FASTER or SLOWER\n",
                       r.drift * 100, r.drift * 100);
  out += "\n| case | B/A | 95 % CI | p | processes A/B | samples A/B | verdict |\n"
         "| --- | --- | --- | --- | --- | --- | --- |\n";
  for (const auto& c : r.cases) {
    if (c.status != "compared") {
      out += fmt::format("| {} | | | | | | not compared: {} |\n", c.id, c.status);
      continue;
    }
    out += fmt::format("| {} | {:.3f} | {:.3f} – {:.3f} | {} | {}/{} | {}/{} | {} |\n", c.id, c.ratio.ratio,
                       c.ratio.ci_low, c.ratio.ci_high,
                       c.ratio.between_processes ? fmt::format("{:.2g}", c.ratio.p_value) : "— (one process)",
                       c.ratio.processes_a, c.ratio.processes_b, c.samples_a, c.samples_b, to_string(c.verdict));
  }
  out += fmt::format("\n{} faster, {} slower, {} same, {} ambiguous, {} not compared", r.faster, r.slower, r.same,
                     r.ambiguous, r.not_compared);
  out += fmt::format("; {} regression(s) beyond the {:.0f} % threshold\n", r.regressions,
                     std::max(threshold, r.drift) * 100);
  return out;
}

}  // namespace versus
