#include "report/compare.h"

#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "core/errors.h"
#include "core/stats.h"
#include "report/report_model.h"
#include "results/results_dir.h"

namespace versus {
namespace {

std::map<std::string, nlohmann::json> runs_by_id(const std::filesystem::path& dir) {
  std::map<std::string, nlohmann::json> out;
  std::vector<std::string> unreadable;
  auto docs = ResultsDir::open_existing(dir).read_runs(kResultSchema, &unreadable);
  for (const auto& u : unreadable) std::fprintf(stderr, "versus compare: left out %s\n", u.c_str());
  for (auto& doc : docs) {
    // The id first: json's operator= takes its argument by value, which C++17 builds before
    // the left side is evaluated, so `out[doc["id"]] = std::move(doc)` would read a moved-from doc.
    // A run without a string id or status cannot be matched or judged: left out, named (found by
    // fuzz/results_fuzzer; "id": 1 was an internal error).
    const auto not_text = [&](const char* key) { return doc.contains(key) && !doc[key].is_string(); };
    if (not_text("id") || not_text("status")) {
      std::fprintf(stderr, "versus compare: left out a run of %s whose \"id\" or \"status\" is not a string\n",
                   dir.string().c_str());
      continue;
    }
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
std::vector<ControlDrift> control_drift(const nlohmann::json& ca, const nlohmann::json& cb) {
  std::vector<ControlDrift> out;
  if (!ca.contains("roofline") || !cb.contains("roofline") || !ca["roofline"].is_object() || !cb["roofline"].is_object())
    return out;
  // The median of the trials where they were recorded: steadier than the best one, which is the
  // roofline (what the machine can attain) but, as a control, picks the machine's luckiest moment.
  auto value = [](const nlohmann::json& roof, const char* key, const char* trials) {
    const auto t = roof.value(trials, std::vector<double>{});
    return t.empty() ? roof.value(key, 0.0) : median(t);
  };
  for (const auto& [key, trials] : {std::pair{"peak_gflops", "peak_trials_gflops"}, std::pair{"bandwidth_gbs", "bandwidth_trials_gbs"}}) {
    const double va = value(ca["roofline"], key, trials), vb = value(cb["roofline"], key, trials);
    if (va > 0 && vb > 0) out.push_back({key, va, vb});
  }
  return out;
}

double drift_of(const std::vector<ControlDrift>& controls, const std::string& name) {
  for (const auto& c : controls)
    if (c.name == name) return std::max(c.ratio(), 1 / c.ratio()) - 1;
  return 0;
}

// Which control bounds a case: memory bandwidth when it is below the ridge point and its
// compulsory traffic does not fit the last-level cache (run A's), the FMA peak otherwise.
std::string bounding_control(const nlohmann::json& doc, const nlohmann::json& context) {
  const nlohmann::json work = doc.value("work", nlohmann::json::object());
  const double flops = work.value("flops", 0.0), bytes = work.value("bytes", 0.0);
  const nlohmann::json roof = context.value("roofline", nlohmann::json::object());
  const double peak = roof.value("peak_gflops", 0.0), bandwidth = roof.value("bandwidth_gbs", 0.0);
  const double cache = context.value("/machine/cpu/last_level_cache_bytes"_json_pointer, 0.0);
  if (bytes <= 0 || peak <= 0 || bandwidth <= 0) return "peak_gflops";
  return flops / bytes < peak / bandwidth && bytes > cache ? "bandwidth_gbs" : "peak_gflops";
}

}  // namespace

namespace {

ComparisonResult compare_unchecked(const std::filesystem::path& a, const std::filesystem::path& b, double threshold) {
  const auto runs_a = runs_by_id(a), runs_b = runs_by_id(b);
  ComparisonResult result;
  const nlohmann::json context_a = ResultsDir::open_existing(a).read_context();
  result.controls = control_drift(context_a, ResultsDir::open_existing(b).read_context());
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
        c.control = bounding_control(da, context_a);
        c.drift = drift_of(result.controls, c.control);
        c.status = "compared";
      }
    }
    result.cases.push_back(std::move(c));
  }
  // Two runs at different times differ by more than the processes of either show (the machine's
  // state between them): measured from all cases at once and added to each before judging.
  std::vector<RatioEstimate> estimates;
  for (const auto& c : result.cases)
    if (c.status == "compared") estimates.push_back(c.ratio);
  result.run_spread = run_to_run_spread(estimates);
  std::vector<double> p_values;
  for (auto& c : result.cases)
    if (c.status == "compared") {
      c.ratio = with_run_spread(c.ratio, result.run_spread, run_to_run_spread_df(estimates));
      p_values.push_back(c.ratio.p_value);
    }
  // Many cases are judged at once: Holm's adjustment keeps the chance of any false verdict at 5 %.
  const std::vector<double> adjusted = holm_adjusted(p_values);
  size_t next = 0;
  for (auto& c : result.cases) {
    if (c.status == "compared") {
      c.ratio.p_value = adjusted[next++];
      c.verdict = judge(c.ratio, 0.05, kEquivalenceMargin, c.drift);
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
      if (c.verdict == Verdict::kSlower && c.ratio.ci_low > 1.0 + std::max(threshold, c.drift)) ++result.regressions;
    }
  }
  return result;
}

}  // namespace

ComparisonResult compare_results(const std::filesystem::path& a, const std::filesystem::path& b, double threshold) {
  try {
    return compare_unchecked(a, b, threshold);
  } catch (const nlohmann::json::exception& e) {
    // A context.json or run document of another shape ("work": 1): the folders' problem, not an
    // internal error (found by fuzz/results_fuzzer).
    throw UserError(fmt::format("cannot compare {} and {}: a document has a field of an unexpected type ({})",
                                a.string(), b.string(), e.what()));
  }
}

std::string format_comparison(const ComparisonResult& r, const std::filesystem::path& a,
                              const std::filesystem::path& b, double threshold) {
  std::string out = fmt::format("A = {}\nB = {}\ntime ratio B/A (< 1: B is faster), 95 % Welch interval and two-sided "
                                "Welch t-test between worker processes, p Holm-adjusted over the compared cases\n",
                                a.string(), b.string());
  for (const auto& c : r.controls)
    out += fmt::format("machine control {} (median of its trials): A {:.4g}, B {:.4g} ({:+.1f} %)\n", c.name, c.a, c.b,
                       (c.ratio() - 1) * 100);
  if (r.run_spread > 0)
    out += fmt::format("the two runs differ by more than their processes show: ±{:.1f} % (1 s.d., from the spread of "
                       "all compared cases' ratios) is added to every case's uncertainty\n",
                       (std::exp(r.run_spread) - 1) * 100);
  for (const auto& c : r.controls) {
    const double d = std::max(c.ratio(), 1 / c.ratio()) - 1;
    if (d > kEquivalenceMargin)
      out += fmt::format("the machine itself drifted: {} by {:.1f} % between the runs, so a case it bounds is not "
                         "called FASTER or SLOWER within ±{:.1f} % (its drift, not the software's)\n",
                         c.name == "bandwidth_gbs" ? "memory bandwidth (bounds cases below the ridge whose data "
                                                     "exceed the last-level cache)"
                                                   : "FMA peak (bounds every other case)",
                         d * 100, d * 100);
  }
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
  const int compared = r.faster + r.slower + r.same + r.ambiguous;
  out += fmt::format("\n{} faster, {} slower, {} same, {} ambiguous, {} not compared", r.faster, r.slower, r.same,
                     r.ambiguous, r.not_compared);
  if (compared > 0)
    out += fmt::format(" ({:.0f} % of the compared cases SAME or AMBIGUOUS)",
                       100.0 * (r.same + r.ambiguous) / compared);
  out += fmt::format("; {} regression(s) beyond the {:.0f} % threshold (or the machine's drift, where larger)\n",
                     r.regressions, threshold * 100);
  return out;
}

}  // namespace versus
