#include "report/compare.h"

#include <map>

#include <fmt/format.h>

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

std::vector<double> samples(const nlohmann::json& doc) {
  return doc.value("samples_seconds", std::vector<double>{});
}

}  // namespace

ComparisonResult compare_results(const std::filesystem::path& a, const std::filesystem::path& b, double threshold) {
  const auto runs_a = runs_by_id(a), runs_b = runs_by_id(b);
  ComparisonResult result;
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
        const auto xa = samples(da), xb = samples(db);
        c.samples_a = xa.size();
        c.samples_b = xb.size();
        c.ratio = median_ratio(xa, xb);
        c.test = mann_whitney_u(xa, xb);
        c.verdict = judge(c.ratio, c.test);
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
      if (c.verdict == Verdict::kSlower && c.ratio.ci_low > 1.0 + threshold) ++result.regressions;
    }
    result.cases.push_back(std::move(c));
  }
  return result;
}

std::string format_comparison(const ComparisonResult& r, const std::filesystem::path& a,
                              const std::filesystem::path& b, double threshold) {
  std::string out = fmt::format("A = {}\nB = {}\ntime ratio B/A (< 1: B is faster), 95 % bootstrap interval, "
                                "Mann-Whitney U two-sided p\n\n",
                                a.string(), b.string());
  out += "| case | B/A | 95 % CI | p | samples A/B | verdict |\n| --- | --- | --- | --- | --- | --- |\n";
  for (const auto& c : r.cases) {
    if (c.status != "compared") {
      out += fmt::format("| {} | | | | | not compared: {} |\n", c.id, c.status);
      continue;
    }
    out += fmt::format("| {} | {:.3f} | {:.3f} – {:.3f} | {:.2g} | {}/{} | {} |\n", c.id, c.ratio.ratio,
                       c.ratio.ci_low, c.ratio.ci_high, c.test.p_value, c.samples_a, c.samples_b,
                       to_string(c.verdict));
  }
  out += fmt::format("\n{} faster, {} slower, {} same, {} ambiguous, {} not compared", r.faster, r.slower, r.same,
                     r.ambiguous, r.not_compared);
  out += fmt::format("; {} regression(s) beyond the {:.0f} % threshold\n", r.regressions, threshold * 100);
  return out;
}

}  // namespace versus
