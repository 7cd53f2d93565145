#include "report/verdicts.h"

#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "core/compare_stats.h"
#include "core/stats.h"

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

// Workload classes for advice: what a user's model spends its time in.
std::string family_of(const std::string& op) {
  if (op == "gemm" || op == "dot" || op == "gemv" || op == "batched_gemm") return "matrix products";
  if (op == "conv2d" || op == "max_pool" || op == "avg_pool" || op == "batch_norm") return "convolution layers";
  if (op == "add" || op == "mul" || op == "relu" || op == "sigmoid" || op == "tanh" || op == "gelu") return "element-wise ops";
  if (op == "layer_norm" || op == "attention") return "transformer layers";
  if (op == "embedding") return "embeddings";
  return "softmax, losses and reductions";
}

// Rows by their time between processes (what process_ratio compares; an older result's stored
// median is the pooled one).
bool by_central_time(const RunRow* a, const RunRow* b) {
  return summarize_processes(a->samples_by_process).median < summarize_processes(b->samples_by_process).median;
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
  Table t{{"Case", "Backend", "Time ÷ fastest", "95 % CI", "p (Welch)", "Processes", "Verdict"},
          {false, false, true, true, true, true, false}, {}};
  Bullets headlines;
  for (const auto& key : order) {
    auto rows = cases[key];
    if (rows.size() < 2) continue;
    std::sort(rows.begin(), rows.end(), by_central_time);
    const RunRow& best = *rows.front();
    t.rows.push_back({{case_label(best)}, {best.label(), Tone::good}, {"1 (fastest)"}, {""}, {""},
                      {std::to_string(best.samples_by_process.size())}, {""}});
    for (size_t i = 1; i < rows.size(); ++i) {
      const RunRow& other = *rows[i];
      const RatioEstimate ratio = process_ratio(best.samples_by_process, other.samples_by_process);
      const Verdict v = judge(ratio);
      // From the slower backend's point of view: SLOWER than the fastest, or SAME / AMBIGUOUS.
      t.rows.push_back({{""}, {other.label()}, {fmt::format("{:.2f}", ratio.ratio)},
                        {fmt::format("{:.2f} – {:.2f}", ratio.ci_low, ratio.ci_high)},
                        {ratio.between_processes ? fmt::format("{:.2g}", ratio.p_value) : "—"},
                        {std::to_string(other.samples_by_process.size())}, {to_string(v), tone_of(v)}});
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
  struct Tally {
    std::map<std::string, int> significant_wins;  // framework -> cases it won significantly
    int cases = 0, undecided = 0;
    double min_ratio = 1e300, max_ratio = 0;
  };
  std::map<std::string, Tally> advice;  // "family, device" -> tally
  for (const auto& key : order) {
    std::vector<const RunRow*> rows;
    for (const RunRow* r : cases[key])
      if (r->backend != "native") rows.push_back(r);
    if (rows.size() < 2) continue;
    std::sort(rows.begin(), rows.end(), by_central_time);
    const RunRow& best = *rows[0];
    const RunRow& next = *rows[1];
    const RatioEstimate ratio = process_ratio(best.samples_by_process, next.samples_by_process);
    const Verdict v = judge(ratio);
    Tally& tally = advice[family_of(best.op) + " on " + best.device];
    ++tally.cases;
    if (v == Verdict::kSlower) {
      ++tally.significant_wins[best.backend];
      tally.min_ratio = std::min(tally.min_ratio, ratio.ratio);
      tally.max_ratio = std::max(tally.max_ratio, ratio.ratio);
    } else {
      ++tally.undecided;
    }
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
  if (!advice.empty()) {
    // Advice only where the data supports it: one framework won every case of the class, each
    // significantly; otherwise say that the data does not decide.
    Bullets items;
    for (const auto& [workload, t] : advice) {
      if (t.significant_wins.size() == 1 && t.undecided == 0) {
        const auto& [winner, wins] = *t.significant_wins.begin();
        items.items.push_back(fmt::format("{}: pick {} — fastest in all {} case{} measured, {:.2f}–{:.2f}× ahead of "
                                          "the runner-up framework, each significant.",
                                          workload, winner, wins, wins == 1 ? "" : "s", t.min_ratio, t.max_ratio));
      } else {
        std::string split;
        for (const auto& [fw, wins] : t.significant_wins) split += fmt::format("{}{} won {}", split.empty() ? "" : ", ", fw, wins);
        items.items.push_back(fmt::format("{}: no advice — the data does not single out one framework ({} case{}: {}{}{} "
                                          "undecided).",
                                          workload, t.cases, t.cases == 1 ? "" : "s", split, split.empty() ? "" : "; ",
                                          t.undecided));
      }
    }
    s.blocks.push_back(Paragraph{"Advice, per workload class present in these results (frameworks only; the "
                                 "thread counts and shapes are those measured — see the cases below):"});
    s.blocks.push_back(std::move(items));
  }
  if (!frameworks.items.empty()) {
    s.blocks.push_back(Paragraph{"Between the frameworks (TensorFlow, MXNet, libtorch), fastest against the runner-up:"});
    s.blocks.push_back(std::move(frameworks));
  }
  s.blocks.push_back(Paragraph{"Against every backend, native libraries included:"});
  s.blocks.push_back(std::move(headlines));
  s.blocks.push_back(std::move(t));
  s.blocks.push_back(Paragraph{
      "For each case, every backend against the fastest: the ratio of their times (geometric means of the "
      "worker processes' medians) with a 95 % Welch interval and a two-sided Welch t-test, both taken between "
      "processes — a rerun is new processes, so the samples inside one process are not counted as independent "
      "evidence. The processes of a case alternate between backends, round by round over the whole suite, so drift "
      "on the machine falls on all of "
      "them. " + verdict_rule_text()});
  return s;
}

}  // namespace versus
