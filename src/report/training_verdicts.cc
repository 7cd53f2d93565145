#include "report/training_verdicts.h"

#include <algorithm>

#include <fmt/format.h>

#include "core/compare_stats.h"
#include "report/report_format.h"
#include "report/training_steps.h"

namespace versus {
namespace {

std::string label(const nlohmann::json& run) { return run.value("id", run.value("backend", std::string("?"))); }

}  // namespace

std::optional<Section> training_verdict_section(const std::vector<nlohmann::json>& runs) {
  struct Timed {
    const nlohmann::json* run;
    ProcessSamples steps;
    Summary summary;
  };
  std::vector<Timed> timed;
  for (const auto& run : runs)
    if (run.value("status", "") == "ok")
      if (ProcessSamples steps = steps_by_process(run); !steps.empty())
        timed.push_back({&run, steps, summarize_processes(steps)});
  if (timed.size() < 2) return std::nullopt;
  std::sort(timed.begin(), timed.end(), [](const Timed& a, const Timed& b) { return a.summary.median < b.summary.median; });
  const Timed& best = timed.front();

  Section s{"answer", "Who trains fastest", 2, {}};
  Bullets answer;
  Table t{{"run", "step", "95 % CI", "processes", "slower than the fastest by", "95 % CI", "a rerun lands in", "verdict"},
          {false, true, true, true, true, true, true, false}, {}};
  t.rows.push_back({{label(*best.run), Tone::good},
                    {format_time(best.summary.median)},
                    {fmt::format("{} – {}", format_time(best.summary.ci_low), format_time(best.summary.ci_high))},
                    {std::to_string(best.summary.processes)}, {"fastest"}, {""}, {""}, {""}});
  bool one_process = false;
  for (size_t i = 1; i < timed.size(); ++i) {
    const Timed& other = timed[i];
    const RatioEstimate r = process_ratio(best.steps, other.steps);
    const Verdict v = judge(r);
    one_process = one_process || !r.between_processes;
    const std::string ci = fmt::format("{:.2f} – {:.2f}", r.ci_low, r.ci_high);
    const std::string rerun = fmt::format("{:.2f} – {:.2f}", r.rerun_low, r.rerun_high);
    t.rows.push_back({{label(*other.run)},
                      {format_time(other.summary.median)},
                      {fmt::format("{} – {}", format_time(other.summary.ci_low), format_time(other.summary.ci_high))},
                      {std::to_string(other.summary.processes)},
                      {fmt::format("{:.2f}×", r.ratio)},
                      {r.between_processes ? ci : "–"},
                      {r.between_processes ? rerun : "–"},
                      {to_string(v), v == Verdict::kSlower ? Tone::bad : Tone::muted}});
    if (v == Verdict::kSlower)
      answer.items.push_back(fmt::format("{}'s step is {:.2f}× faster than {}'s (95 % CI {}; a rerun lands in {}).",
                                         label(*best.run), r.ratio, label(*other.run), ci, rerun));
    else if (r.between_processes)
      answer.items.push_back(fmt::format("{} and {}: no significant difference ({}; ratio {:.2f}, 95 % CI {}).",
                                         label(*best.run), label(*other.run), to_string(v), r.ratio, ci));
    else
      answer.items.push_back(fmt::format("{} is {:.2f}× faster than {} in one process each: no verdict, since one process "
                                         "cannot say what a rerun gives (train with --repeats 3).",
                                         label(*best.run), r.ratio, label(*other.run)));
  }
  s.blocks.push_back(std::move(answer));
  s.blocks.push_back(std::move(t));
  s.blocks.push_back(Paragraph{
      "Step time: per worker process (the full run and its repeats, which alternate between the runs) the median of "
      "its steps after warm-up; across processes their geometric mean, with the 95 % Student-t interval between "
      "processes. Ratios: Welch's interval and test between processes; \"a rerun lands in\" is the 95 % range of the "
      "same ratio measured again with as many processes (√2 wider). " + verdict_rule_text()});
  if (one_process)
    s.blocks.push_back(Bullets{{"Some runs have a single process: their intervals describe that process only, so they get "
                                "no verdict."},
                               Tone::warn});
  return s;
}

}  // namespace versus
