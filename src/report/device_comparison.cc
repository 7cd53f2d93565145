#include "report/device_comparison.h"

#include <map>
#include <tuple>

#include <fmt/format.h>

#include "report/report_format.h"

namespace versus {
namespace {

// What identifies one case across devices; the CPU side is the row with the most threads.
using CaseKey = std::tuple<std::string, std::string, std::string, std::string, std::string>;  // op, shape, direction, dtype, backend

std::string outcome(const RunRow* r) {
  if (!r) return "–";
  if (!r->ok()) return r->status;
  return format_time(*r->median);
}

}  // namespace

std::optional<Section> device_comparison_section(const ReportData& d) {
  std::map<CaseKey, const RunRow*> cpu, gpu;
  for (const RunRow& r : d.rows) {
    const CaseKey key{r.op, r.shape, r.direction, r.dtype, r.backend};
    if (r.device == "cuda") {
      gpu[key] = &r;
    } else if (r.device == "cpu") {
      const RunRow*& best = cpu[key];
      if (!best || r.threads > best->threads) best = &r;
    }
  }
  if (gpu.empty()) return std::nullopt;
  Table t{{"case", "backend", "CPU", "GPU", "GPU speed-up", "GPU GFLOP/s", "GPU memory (peak)", "GPU busy", "GPU power (max)"},
          {false, false, true, true, true, true, true, true, true},
          {}};
  for (const auto& [key, g] : gpu) {
    const auto& [op, shape, direction, dtype, backend] = key;
    const auto found = cpu.find(key);
    const RunRow* c = found == cpu.end() ? nullptr : found->second;
    const bool both = c && c->ok() && g->ok();
    auto optional_text = [](const std::optional<double>& v, const char* pattern) {
      return v ? fmt::format(fmt::runtime(pattern), *v) : std::string("–");
    };
    t.rows.push_back({{fmt::format("{} {}{}{}", op, shape, direction == "backward" ? " (fwd+bwd)" : "",
                                   dtype == "float32" ? "" : " " + dtype)},
                      {backend},
                      {c ? fmt::format("{} ({} threads)", outcome(c), c->threads) : "–", c && !c->ok() ? Tone::bad : Tone::plain},
                      {outcome(g), g->ok() ? Tone::plain : Tone::bad},
                      {both ? fmt::format("{:.1f}×", *c->median / *g->median) : "–", both && *c->median > *g->median ? Tone::good : Tone::plain},
                      {g->ok() ? optional_text(g->gflops, "{:.0f}") : "–"},
                      {optional_text(g->gpu_peak_memory_mib, "{:.0f} MiB")},
                      {optional_text(g->gpu_utilization_pct, "{:.0f} %")},
                      {optional_text(g->gpu_power_max_w, "{:.0f} W")}});
  }
  Section s{"devices", "CPU and GPU side by side", 2, {}};
  s.blocks.push_back(Paragraph{
      "Each case that ran on the GPU beside the same case on the CPU (the CPU run with the most threads): medians per "
      "iteration, the GPU's speed-up (CPU median ÷ GPU median), and what NVML sampled on GPU 0 while the GPU worker "
      "ran — peak memory used, mean utilisation, peak power. Those cover the whole worker process (set-up, "
      "validation, warm-up and timing), not only the timed iterations."});
  s.blocks.push_back(std::move(t));
  return s;
}

std::optional<Table> training_gpu_table(const std::vector<nlohmann::json>& runs) {
  Table t{{"run", "GPU memory (peak)", "GPU busy (mean)", "GPU power (max)", "SM clock (max)"}, {false, true, true, true, true}, {}};
  for (const auto& run : runs) {
    if (!run.contains("process") || !run["process"].is_object() || !run["process"].contains("gpu")) continue;
    const nlohmann::json gpu = run["process"]["gpu"];
    auto stat = [&](const char* key, const char* field, const char* unit) -> std::string {
      const nlohmann::json v = gpu.is_object() ? gpu.value(key, nlohmann::json()) : nlohmann::json();
      if (!v.is_object() || !v.contains(field) || !v[field].is_number()) return "–";
      return fmt::format("{:.0f} {}", v[field].get<double>(), unit);
    };
    t.rows.push_back({{run.value("id", run.value("backend", std::string("?")))}, {stat("memory_used_mib", "peak", "MiB")},
                      {stat("utilization_pct", "mean", "%")}, {stat("power_w", "max", "W")}, {stat("sm_clock_mhz", "max", "MHz")}});
  }
  if (t.rows.empty()) return std::nullopt;
  return t;
}

}  // namespace versus
