#include "report/pipelines_section.h"

#include <numeric>
#include <set>

#include <fmt/format.h>

#include "core/compare_stats.h"
#include "core/stats.h"
#include "core/json_number.h"
#include "report/report_format.h"

namespace versus {
namespace {

bool ok(const nlohmann::json& run) { return run.value("status", "") == "ok"; }
std::string pipeline_of(const nlohmann::json& run) { return run.value("pipeline", std::string("memory")); }

// One process's (the run's, or a repeat's) fed step and the share of its epochs outside the steps.
struct Fed {
  double step = 0, outside = 0;
};
std::optional<Fed> fed(const nlohmann::json& doc) {
  if (!doc.contains("epochs") || !doc["epochs"].is_array() || !doc.contains("step_seconds")) return std::nullopt;
  double epoch_seconds = 0;
  for (const auto& e : doc["epochs"]) epoch_seconds += e.value("seconds", 0.0);
  const std::vector<double> steps = doc["step_seconds"].get<std::vector<double>>();
  const auto warm = static_cast<size_t>(std::min<int64_t>(whole_or(doc, "warmup_steps", int64_t{1}), int64_t(steps.size())));
  if (steps.size() <= warm || epoch_seconds <= 0) return std::nullopt;
  const double warm_seconds = std::accumulate(steps.begin(), steps.begin() + static_cast<std::ptrdiff_t>(warm), 0.0);
  const double steady = std::accumulate(steps.begin() + static_cast<std::ptrdiff_t>(warm), steps.end(), 0.0);
  const double fed_seconds = epoch_seconds - warm_seconds;
  if (fed_seconds <= 0) return std::nullopt;
  return Fed{fed_seconds / double(steps.size() - warm), std::max(0.0, 1.0 - steady / fed_seconds)};
}

std::vector<Fed> fed_by_process(const nlohmann::json& run) {
  std::vector<Fed> out;
  if (auto f = fed(run)) out.push_back(*f);
  if (run.contains("repeats") && run["repeats"].is_array())
    for (const auto& r : run["repeats"])
      if (r.value("status", "") == "ok")
        if (auto f = fed(r)) out.push_back(*f);
  return out;
}

// What a run is compared within: its framework, mode, tier and thread count.
std::string series_of(const nlohmann::json& run) {
  return fmt::format("{}|{}|{}|{}", run.value("backend", ""), run.value("mode", ""), run.value("tier", ""),
                     run.value("/settings/threads"_json_pointer, 0));
}

// The run of the same series fed from memory.
const nlohmann::json* from_memory(const nlohmann::json& run, const std::vector<nlohmann::json>& runs) {
  for (const auto& r : runs)
    if (pipeline_of(r) == "memory" && series_of(r) == series_of(run)) return &r;
  return nullptr;
}

std::vector<std::vector<double>> steps_of(const std::vector<Fed>& fed) {
  std::vector<std::vector<double>> out;
  for (const Fed& f : fed) out.push_back({f.step});
  return out;
}

}  // namespace

std::vector<std::vector<double>> fed_steps_by_process(const nlohmann::json& run) { return steps_of(fed_by_process(run)); }

std::optional<Section> pipelines_section(const std::vector<nlohmann::json>& runs) {
  bool any = false;
  for (const auto& run : runs) any = any || pipeline_of(run) != "memory";
  if (!any) return std::nullopt;
  Section s{"pipelines", "Input pipeline: feeding the epoch", 2, {}};
  s.blocks.push_back(Paragraph{
      "Each framework's epoch fed through its own input pipeline, against the same epoch fed from memory (slices "
      "of the arrays the harness exported; in the C++ tier, the training loop's gather). The C++ tier's pipeline "
      "is libtorch's `torch::data` DataLoader, whose workers are threads (in Python they are processes). Every pipeline yields the same batches in the same order, so "
      "these runs are in the parity check too. `fed step` is the epoch's time over its steps after the warm-up: "
      "what a step costs with its feeding, the median over worker processes with its 95 % interval. `÷ memory` "
      "is the ratio to the memory-fed run's with its Welch interval between processes. `outside the steps` is the "
      "share of the epoch spent between the timed steps — where a pipeline in the training process fetches and "
      "collates batches (Keras fetches inside its step, so its pipelines show in the fed step only). `cores busy` "
      "is the CPU time of the worker process and every process it started (a DataLoader's workers) over its wall "
      "time, the median over its processes: a pipeline with worker processes competes with the step for the same "
      "cores, and the run's CPU timeline shows when. " +
      verdict_rule_text()});
  Table t{{"framework", "mode", "pipeline", "fed step (95 % interval)", "÷ memory", "verdict", "outside the steps",
           "cores busy"},
          {false, false, false, true, true, false, true, true},
          {}};
  std::set<std::string> fed_otherwise;  // the series with a pipeline besides memory: only they get rows
  for (const auto& r : runs)
    if (pipeline_of(r) != "memory") fed_otherwise.insert(series_of(r));
  for (const auto& run : runs) {
    if (!fed_otherwise.count(series_of(run))) continue;
    const std::string tier = run.value("tier", "cpp") == "python" ? " (Python)" : " (C++)";
    std::vector<Cell> row = {{run.value("backend", "?")}, {run.value("mode", "?") + tier}, {pipeline_of(run), Tone::plain, true}};
    if (!ok(run)) {
      row.push_back({fmt::format("{}: {}", run.value("status", "error"), run.value("reason", std::string())),
                     run.value("status", "") == "unsupported" ? Tone::muted : Tone::bad});
      row.insert(row.end(), {Cell{"—"}, Cell{"—"}, Cell{"—"}, Cell{"—"}});
      t.rows.push_back(std::move(row));
      continue;
    }
    const std::vector<Fed> f = fed_by_process(run);
    const Summary fs = summarize_processes(steps_of(f));
    row.push_back({f.empty() ? "—"
                   : f.size() < 2 ? format_time(fs.median) + " (one process)"
                                  : fmt::format("{} ({}–{})", format_time(fs.median), format_time(fs.ci_low), format_time(fs.ci_high))});
    const nlohmann::json* memory = from_memory(run, runs);
    const std::vector<std::vector<double>> memory_steps = memory && ok(*memory) ? fed_steps_by_process(*memory)
                                                                                 : std::vector<std::vector<double>>{};
    if (pipeline_of(run) != "memory" && !f.empty() && !memory_steps.empty()) {
      const RatioEstimate r = process_ratio(memory_steps, steps_of(f));
      const Verdict v = judge(r);
      row.push_back({r.between_processes ? fmt::format("{}× ({}–{})", format_sig(r.ratio), format_sig(r.ci_low), format_sig(r.ci_high))
                                         : fmt::format("{}× (one process a side)", format_sig(r.ratio))});
      row.push_back({to_string(v), v == Verdict::kSlower ? Tone::bad : v == Verdict::kFaster ? Tone::good : Tone::plain});
    } else {
      row.insert(row.end(), {Cell{pipeline_of(run) == "memory" ? "1 (the reference)" : "—", Tone::muted}, Cell{"—"}});
    }
    std::vector<double> outside;
    for (const Fed& x : f) outside.push_back(x.outside);
    row.push_back({outside.empty() ? "—" : format_percent(median(outside))});
    std::vector<double> busy;
    if (run.contains("cpu_utilisation_cores")) busy.push_back(run.value("cpu_utilisation_cores", 0.0));
    if (run.contains("repeats") && run["repeats"].is_array())
      for (const auto& r : run["repeats"])
        if (r.contains("cpu_utilisation_cores")) busy.push_back(r.value("cpu_utilisation_cores", 0.0));
    row.push_back({busy.empty() ? "—" : fmt::format("{:.2f}", median(busy))});
    t.rows.push_back(std::move(row));
  }
  s.blocks.push_back(std::move(t));
  return s;
}

}  // namespace versus
