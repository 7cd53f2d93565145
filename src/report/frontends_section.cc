#include "report/frontends_section.h"

#include <fmt/format.h>

#include "core/compare_stats.h"
#include "report/report_format.h"
#include "report/training_steps.h"

namespace versus {
namespace {

bool ok(const nlohmann::json& run) { return run.value("status", "") == "ok"; }
int threads_of(const nlohmann::json& run) { return run.value("/settings/threads"_json_pointer, 0); }

std::string step_with_interval(const nlohmann::json& run) {
  const Summary s = step_summary(run);
  if (s.processes < 2) return format_time(s.median) + " (one process)";
  return fmt::format("{} ({}–{})", format_time(s.median), format_time(s.ci_low), format_time(s.ci_high));
}

// The C++ tier's run of the same framework, mode and thread count as `python`'s counterpart.
const nlohmann::json* counterpart_of(const nlohmann::json& python, const std::vector<nlohmann::json>& runs) {
  for (const auto& run : runs)
    if (run.value("tier", "cpp") == "cpp" && run.value("backend", "") == python.value("backend", "") &&
        run.value("mode", "") == python.value("counterpart", "") && threads_of(run) == threads_of(python))
      return &run;
  return nullptr;
}

}  // namespace

std::optional<Section> frontends_section(const std::vector<nlohmann::json>& runs) {
  bool any = false;
  for (const auto& run : runs) any = any || run.value("tier", "cpp") == "python";
  if (!any) return std::nullopt;
  Section s{"frontends", "Frontends: the C++ tier and the Python tier", 2, {}};
  s.blocks.push_back(Paragraph{
      "Each framework through the C/C++ API versus drives natively and through the Python API its users write "
      "(Keras `model.fit`, Gluon with `autograd` and `Trainer`, `torch.nn` with `torch.optim`), both trained from the "
      "weights, samples and batch order the harness exported (equal checksums) and both part of the parity check. "
      "Each Python mode is set against the C++ mode that runs the same way (Keras's graph against the TF session, "
      "Gluon hybridized against one CachedOp, PyTorch eager against libtorch eager). Python ÷ C++ is the ratio of "
      "their median steady step times with its 95 % Welch interval between worker processes: above 1 the Python "
      "frontend costs that much per step, below 1 it is faster. " + verdict_rule_text()});
  Table t{{"framework", "Python tier", "step (95 % interval)", "C++ tier", "step (95 % interval)", "Python ÷ C++",
           "verdict"},
          {false, false, true, false, true, true, false}, {}};
  for (const auto& run : runs) {
    if (run.value("tier", "cpp") != "python") continue;
    std::vector<Cell> row = {{run.value("backend", "?")},
                             {fmt::format("{} ({} threads){}", run.value("mode", "?"), threads_of(run),
                                          run.value("frontend_default", false) ? ", the frontend's default" : ""),
                              Tone::plain}};
    const nlohmann::json* cpp = counterpart_of(run, runs);
    if (!ok(run)) {
      row.push_back({fmt::format("{}: {}", run.value("status", "error"), run.value("reason", std::string())),
                     run.value("status", "") == "unsupported" ? Tone::muted : Tone::bad});
    } else {
      row.push_back({step_with_interval(run)});
    }
    row.push_back({cpp ? fmt::format("{} mode", cpp->value("mode", "?")) : fmt::format("{} mode: not run", run.value("counterpart", "?")),
                   cpp ? Tone::plain : Tone::muted});
    if (cpp && !ok(*cpp)) row.push_back({fmt::format("{}: {}", cpp->value("status", "error"), cpp->value("reason", std::string())), Tone::muted});
    else row.push_back({cpp ? step_with_interval(*cpp) : "–"});
    if (cpp && ok(*cpp) && ok(run)) {
      const RatioEstimate r = process_ratio(steps_by_process(*cpp), steps_by_process(run));
      const Verdict python = judge(r);  // of b (the Python run) against a (its C++ counterpart)
      row.push_back({r.between_processes ? fmt::format("{}× ({}–{})", format_sig(r.ratio), format_sig(r.ci_low), format_sig(r.ci_high))
                                         : fmt::format("{}× (one process a side: no interval)", format_sig(r.ratio))});
      row.push_back({to_string(python), python == Verdict::kSlower ? Tone::bad : python == Verdict::kFaster ? Tone::good : Tone::plain});
    } else {
      row.insert(row.end(), {Cell{"–"}, Cell{"–"}});
    }
    t.rows.push_back(std::move(row));
  }
  s.blocks.push_back(std::move(t));
  return s;
}

}  // namespace versus
