#include "report/training_modes.h"

#include <algorithm>
#include <map>
#include <utility>

#include <fmt/format.h>

#include "core/compare_stats.h"
#include "core/stats.h"
#include "report/report_format.h"
#include "report/training_steps.h"

namespace versus {
namespace {

bool ok(const nlohmann::json& run) { return run.value("status", "") == "ok"; }
int threads_of(const nlohmann::json& run) { return run.value("/settings/threads"_json_pointer, 0); }

// "xla_clusters_compiled: yes, onednn_matmul: no" from the worker's mode_report; a nested object
// (a CachedOp's facts) as its scalar entries, nulls (not applicable) left out.
std::string scalar_text(const nlohmann::json& v) {
  if (v.is_boolean()) return v.get<bool>() ? "yes" : "no";
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_float()) return format_sig(v.get<double>());
  return v.dump();
}
std::string reported(const nlohmann::json& run) {
  std::string out;
  const nlohmann::json report = run.value("mode_report", nlohmann::json::object());  // named: items() of a temporary dangles
  for (const auto& [k, v] : report.items()) {
    if (k == "source" || k == "xla_evidence" || v.is_null()) continue;
    std::string value;
    if (v.is_object()) {
      for (const auto& [ik, iv] : v.items())
        if (!iv.is_structured() && !iv.is_null()) value += (value.empty() ? "" : ", ") + ik + " " + scalar_text(iv);
      value = "(" + value + ")";
    } else {
      value = scalar_text(v);
    }
    out += (out.empty() ? "" : ", ") + k + ": " + value;
  }
  return out.empty() ? "–" : out;
}

// "1.32× (1.28–1.36)": how many times faster `tuned` steps than `base`.
struct SpeedUp {
  std::string text;
  Tone tone = Tone::plain;
};
SpeedUp speed_up(const nlohmann::json& base, const nlohmann::json& tuned) {
  const ProcessSamples a = steps_by_process(tuned), b = steps_by_process(base);
  if (a.empty() || b.empty()) return {"–"};
  const RatioEstimate r = process_ratio(a, b);
  const Verdict v = judge(r);
  const Tone tone = v == Verdict::kFaster ? Tone::bad : v == Verdict::kSlower ? Tone::good : Tone::plain;
  return {fmt::format("{}× ({}–{})", format_sig(r.ratio), format_sig(r.ci_low), format_sig(r.ci_high)), tone};
}

// What a user of the framework gets out of the box, at the largest thread count run: its Python
// frontend's default mode where that ran (Keras fit, Gluon imperative, PyTorch eager), else the C++
// tier's default mode.
const nlohmann::json* defaults_run(const std::vector<const nlohmann::json*>& list) {
  for (const bool python : {true, false}) {
    const nlohmann::json* base = nullptr;
    for (const auto* run : list) {
      const bool is_default = python ? run->value("frontend_default", false)
                                     : run->value("default_mode", true) && run->value("tier", "cpp") == "cpp";
      if (ok(*run) && is_default && (!base || threads_of(*run) > threads_of(*base))) base = run;
    }
    if (base) return base;
  }
  return nullptr;
}

}  // namespace

std::optional<Section> execution_modes_section(const std::vector<nlohmann::json>& runs) {
  std::map<std::string, std::vector<const nlohmann::json*>> by_backend;
  for (const auto& run : runs) by_backend[run.value("backend", "?")].push_back(&run);
  for (auto& [b, list] : by_backend)  // the default mode first, then by thread count
    std::stable_sort(list.begin(), list.end(), [](const nlohmann::json* x, const nlohmann::json* y) {
      return std::pair(!x->value("default_mode", true), threads_of(*x)) < std::pair(!y->value("default_mode", true), threads_of(*y));
    });
  bool several = false;
  for (const auto& [b, list] : by_backend) several = several || list.size() > 1;
  if (!several) return std::nullopt;

  Section s{"modes", "Execution modes: defaults and tuned", 2, {}};
  s.blocks.push_back(Paragraph{
      "Each framework as a user gets it (the defaults: its Python frontend's default mode where that ran — Keras "
      "`model.fit` with its default `jit_compile`, Gluon without `hybridize`, PyTorch eager — else the C++ tier's "
      "default mode, at the largest thread count run) beside the "
      "fastest way it was run here (tuned: the mode and thread count with the lowest step time). Speed-up = "
      "step time of the defaults ÷ that of the tuned run, with the 95 % Welch interval of the ratio between worker "
      "processes (a run and its repeats; one process alone gives no interval a rerun would respect); "
      "step times exclude the warm-up steps, which hold graph construction, XLA compilation or CachedOp creation (the "
      "\"warm-up\" column). Every mode trains from the same weights on the same batches and is part of the parity "
      "check."});
  Table tiers{{"framework", "defaults", "step", "tuned", "step", "speed-up from tuning"}, {false, false, true, false, true, true}, {}};
  for (const auto& [backend, list] : by_backend) {
    const nlohmann::json* base = defaults_run(list);
    const nlohmann::json* best = nullptr;
    for (const auto* run : list)
      if (ok(*run) && (!best || step_summary(*run).median < step_summary(*best).median)) best = run;
    auto step = [](const nlohmann::json* run) { return run ? format_time(step_summary(*run).median) : std::string("–"); };
    auto name = [](const nlohmann::json* run) {
      return run ? fmt::format("{} mode{}, {} threads", run->value("mode", "?"), run->value("tier", "cpp") == "python" ? " (Python)" : "",
                               threads_of(*run))
                 : std::string("– (no finished run)");
    };
    const SpeedUp up = base && best && base != best ? speed_up(*base, *best) : SpeedUp{base == best && base ? "1× (the defaults are fastest)" : "–"};
    tiers.rows.push_back({{backend}, {name(base)}, {step(base)}, {name(best)}, {step(best)}, {up.text}});
  }
  s.blocks.push_back(tiers);

  Table modes{{"run", "mode", "threads", "status", "what the framework reported", "build", "warm-up", "step",
               "speed-up over the defaults"},
              {false, false, true, false, false, true, true, true, true}, {}};
  for (const auto& [backend, list] : by_backend) {
    const nlohmann::json* base = defaults_run(list);
    for (const auto* run : list) {
      const std::string status = run->value("status", "error");
      std::vector<Cell> row = {{run->value("id", backend), Tone::plain, true}, {run->value("mode", "–")},
                               {std::to_string(threads_of(*run))},
                               {status, status == "ok" ? Tone::good : status == "unsupported" ? Tone::muted : Tone::bad}};
      if (!ok(*run)) {
        row.push_back({run->value("reason", std::string("–")), Tone::muted});
        row.resize(modes.header.size(), Cell{"–"});
      } else {
        const SpeedUp up = base && base != run ? speed_up(*base, *run) : SpeedUp{"–"};
        row.insert(row.end(), {{reported(*run)}, {format_time(run->value("build_seconds", 0.0))},
                               {warmup_text(*run)},
                               {format_time(step_summary(*run).median)}, {up.text}});
      }
      modes.rows.push_back(std::move(row));
    }
  }
  s.blocks.push_back(modes);
  return s;
}

}  // namespace versus
