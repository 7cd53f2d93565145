#include "report/verdicts.h"

#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "core/compare_stats.h"

namespace versus {
namespace {

Tone tone_of(Verdict v) {
  switch (v) {
    case Verdict::kSlower: return Tone::bad;
    case Verdict::kSame: return Tone::good;
    case Verdict::kFaster: return Tone::good;
    case Verdict::kAmbiguous: break;
  }
  return Tone::muted;
}

std::string case_label(const RunRow& r) {
  std::string label = fmt::format("{} {}", r.op, r.shape);
  if (r.direction == "backward") label += " (backward)";
  label += fmt::format(", {}", r.device);
  if (r.device == "cpu") label += fmt::format(" {}t", r.threads);
  return label;
}

}  // namespace

Section verdict_section(const ReportData& data) {
  Section s{"verdicts", "Who wins where", 2, {}};
  // Rows of one case: same op, shape, direction, device, dtype and threads.
  std::map<std::string, std::vector<const RunRow*>> cases;
  std::vector<std::string> order;
  for (const RunRow& r : data.rows) {
    if (!r.ok() || r.samples_seconds.size() < 2) continue;
    const std::string key = case_label(r) + " " + r.dtype;
    if (!cases.count(key)) order.push_back(key);
    cases[key].push_back(&r);
  }
  Table t{{"Case", "Backend", "Time ÷ fastest", "95 % CI", "p (Mann-Whitney)", "Verdict"},
          {false, false, true, true, true, false}, {}};
  Bullets headlines;
  for (const auto& key : order) {
    auto rows = cases[key];
    if (rows.size() < 2) continue;
    std::sort(rows.begin(), rows.end(), [](const RunRow* a, const RunRow* b) { return *a->median < *b->median; });
    const RunRow& best = *rows.front();
    t.rows.push_back({{case_label(best)}, {best.label(), Tone::good}, {"1 (fastest)"}, {""}, {""}, {""}});
    for (size_t i = 1; i < rows.size(); ++i) {
      const RunRow& other = *rows[i];
      const RatioEstimate ratio = median_ratio(best.samples_seconds, other.samples_seconds);
      const MannWhitney mw = mann_whitney_u(best.samples_seconds, other.samples_seconds);
      const Verdict v = judge(ratio, mw);
      // From the slower backend's point of view: SLOWER than the fastest, or SAME / AMBIGUOUS.
      t.rows.push_back({{""}, {other.label()}, {fmt::format("{:.2f}", ratio.ratio)},
                        {fmt::format("{:.2f} – {:.2f}", ratio.ci_low, ratio.ci_high)},
                        {fmt::format("{:.2g}", mw.p_value)}, {to_string(v), tone_of(v)}});
      if (i == 1) {
        if (v == Verdict::kSlower)
          headlines.items.push_back(fmt::format("{}: {} is {:.2f}× ({:.2f}–{:.2f}) faster than the runner-up {}.",
                                                case_label(best), best.label(), ratio.ratio, ratio.ci_low,
                                                ratio.ci_high, other.label()));
        else
          headlines.items.push_back(fmt::format("{}: {} and {} cannot be told apart ({}; ratio {:.2f}, {:.2f}–{:.2f}).",
                                                case_label(best), best.label(), other.label(),
                                                to_string(v), ratio.ratio, ratio.ci_low, ratio.ci_high));
      }
    }
  }
  // The question users ask: which framework, leaving the native libraries aside.
  Bullets frameworks;
  for (const auto& key : order) {
    std::vector<const RunRow*> rows;
    for (const RunRow* r : cases[key])
      if (r->backend != "native") rows.push_back(r);
    if (rows.size() < 2) continue;
    std::sort(rows.begin(), rows.end(), [](const RunRow* a, const RunRow* b) { return *a->median < *b->median; });
    const RunRow& best = *rows[0];
    const RunRow& next = *rows[1];
    const RatioEstimate ratio = median_ratio(best.samples_seconds, next.samples_seconds);
    const Verdict v = judge(ratio, mann_whitney_u(best.samples_seconds, next.samples_seconds));
    frameworks.items.push_back(
        v == Verdict::kSlower
            ? fmt::format("{}: {} is {:.2f}× ({:.2f}–{:.2f}) faster than {}.", case_label(best), best.backend,
                          ratio.ratio, ratio.ci_low, ratio.ci_high, next.backend)
            : fmt::format("{}: {} and {} cannot be told apart ({}; ratio {:.2f}, {:.2f}–{:.2f}).", case_label(best),
                          best.backend, next.backend, to_string(v), ratio.ratio, ratio.ci_low, ratio.ci_high));
  }
  if (t.rows.empty()) {
    s.blocks.push_back(Paragraph{"No case has two or more backends with results: nothing to compare."});
    return s;
  }
  s.blocks.push_back(Paragraph{
      "For each case, every backend against the fastest: the ratio of median times with a 95 % bootstrap "
      "interval (samples of both resampled independently) and a two-sided Mann-Whitney U test. SLOWER: "
      "significant (p < 0.05) and the whole interval above 1.02. SAME: the whole interval within "
      "[0.98, 1.02]. AMBIGUOUS: the data cannot tell — more processes or a quieter machine would."});
  if (!frameworks.items.empty()) {
    s.blocks.push_back(Paragraph{"Between the frameworks (TensorFlow, MXNet, libtorch), fastest against the runner-up:"});
    s.blocks.push_back(std::move(frameworks));
  }
  s.blocks.push_back(Paragraph{"Against every backend, native libraries included:"});
  s.blocks.push_back(std::move(headlines));
  s.blocks.push_back(std::move(t));
  return s;
}

}  // namespace versus
