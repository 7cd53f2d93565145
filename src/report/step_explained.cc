#include "report/step_explained.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <functional>
#include <cstdlib>
#include <fstream>
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/stats.h"
#include "report/report_format.h"
#include "core/json_number.h"

namespace versus {
namespace {

namespace fs = std::filesystem;

const std::string kRemainder = "remainder";

// The median op time of (backend, op, params, direction), or nothing without an ok result.
std::optional<double> op_median(const std::vector<nlohmann::json>& op_runs, const std::string& backend,
                                const nlohmann::json& c, const std::string& direction) {
  for (const auto& r : op_runs) {
    const auto& rc = r.value("case", nlohmann::json::object());
    if (rc.value("backend", "") == backend && rc.value("op", "") == c.value("op", "") &&
        rc.value("direction", "") == direction && rc.value("params", nlohmann::json::object()) == c.value("params", nlohmann::json::object()) &&
        r.value("status", "") == "ok" && r.contains("summary"))
      return r["summary"].value("median", 0.0);
  }
  return std::nullopt;
}

// Parts in a fixed, readable order: by family, forward before backward.
std::vector<std::string> part_names(const std::vector<StepExplanation>& steps) {
  std::set<std::string> names;
  for (const auto& s : steps)
    for (const auto& [k, v] : s.parts) names.insert(k);
  return {names.begin(), names.end()};
}

// The framework's own profiler, one step after training, by family; every op mapped to "other"
// is named, so nothing is dropped there unseen.
void add_profile_table(Section& s, const std::vector<StepExplanation>& steps) {
  std::vector<const StepExplanation*> with;
  Bullets failed{{}, Tone::warn};
  for (const auto& e : steps) {
    if (!e.profile.is_object()) continue;  // value() on null throws
    if (e.profile.value("available", false)) with.push_back(&e);
    else if (e.profile.contains("error")) failed.items.push_back(e.backend + ": the profiler failed: " + e.profile["error"].get<std::string>());
  }
  if (!failed.items.empty()) s.blocks.push_back(failed);
  if (with.empty()) return;
  std::map<std::string, std::map<std::string, double>> by_family;  // family -> backend -> seconds
  std::map<std::string, double> total;
  Bullets others{{}, Tone::muted};
  for (const auto* e : with) {
    const nlohmann::json ops = e->profile.value("ops", nlohmann::json::object());  // named: items() of a temporary dangles
    std::vector<std::string> other_names;
    for (const auto& [name, op] : ops.items()) {
      const std::string family = profiled_family(name);
      by_family[family][e->backend] += op.value("seconds", 0.0);
      total[e->backend] += op.value("seconds", 0.0);
      if (family == "other") other_names.push_back(name);
    }
    if (!other_names.empty()) others.items.push_back(fmt::format("{}, in \"other\": {}", e->backend, fmt::join(other_names, ", ")));
  }
  Table t{{"one profiled step"}, {false}, {}};
  for (const auto* e : with) t.header.push_back(e->backend), t.numeric.push_back(true);
  auto row = [&](const std::string& name, const std::function<std::string(const StepExplanation&)>& value, Tone tone = Tone::plain) {
    std::vector<Cell> r{{name, tone}};
    for (const auto* e : with) r.push_back({value(*e), tone});
    t.rows.push_back(std::move(r));
  };
  row("step, unprofiled", [](const StepExplanation& e) { return format_time(e.profile.value("unprofiled_step_seconds", 0.0)); });
  row("step, profiled", [](const StepExplanation& e) {
    const double plain = e.profile.value("unprofiled_step_seconds", 0.0), prof = e.profile.value("profiled_step_seconds", 0.0);
    return fmt::format("{} ({} overhead)", format_time(prof), plain > 0 ? format_percent(prof / plain - 1) : "?");
  });
  row("sum of the profiled ops", [&](const StepExplanation& e) { return format_time(total[e.backend]); });
  for (const auto& [family, seconds_by_backend] : by_family) {
    const auto& per = seconds_by_backend;  // named: clang 14 cannot capture a structured binding
    row("  " + family, [&](const StepExplanation& e) { return per.count(e.backend) ? format_time(per.at(e.backend)) : "–"; }, Tone::muted);
  }
  s.blocks.push_back(Paragraph{fmt::format(
      "The framework's own profiler, after training, on steps of the first batch (two warm-up steps, then five "
      "unprofiled and five profiled steps alternating; the ops of the last profiled one are shown; {}; top-level "
      "operations only, nested calls inside their caller; libtorch's backward operations under the autograd "
      "engine's names, TensorFlow's as the gradient ops in its graph). Profiled steps are never timing steps: the "
      "table states the profiler's overhead against unprofiled steps of the same batch. A framework without a "
      "column ran in a mode versus cannot profile, or its profile failed.",
      [&] {
        std::vector<std::string> names;
        for (const auto* e : with) names.push_back(e->backend + ": " + e->profile.value("profiler", "?"));
        return fmt::format("{}", fmt::join(names, "; "));
      }())});
  s.blocks.push_back(t);
  if (!others.items.empty()) s.blocks.push_back(others);
}

}  // namespace

std::string op_family(const std::string& op) {
  if (op == "gemm") return "dense (gemm)";
  if (op == "conv2d") return "conv";
  if (op == "max_pool" || op == "avg_pool") return "pool";
  if (op == "relu" || op == "sigmoid" || op == "tanh" || op == "gelu") return "activation";
  if (op == "softmax_cross_entropy" || op == "binary_cross_entropy") return "loss";
  if (op == "batch_norm") return "batch norm";
  if (op == "layer_norm") return "layer norm";
  if (op == "attention") return "attention";
  if (op == "embedding" || op == "lstm") return op;
  if (op == "add") return "residual add";
  if (op == "sgd_update") return "optimizer update";
  return "other";
}

std::string profiled_family(const std::string& name) {
  std::string n;
  for (char c : name) n += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  auto has = [&](const char* part) { return n.find(part) != std::string::npos; };
  auto ends = [&](std::string_view tail) { return n.size() >= tail.size() && n.ends_with(tail); };
  // torch scope; MXNet sgd_mom_update, ...; TF ResourceApplyMomentum, ApplyGradientDescent, ...
  if (has("optimizer") || has("_update") || has("resourceapply") || n.starts_with("apply")) return "optimizer update";
  if (has("accumulategrad")) return "gradient accumulation";
  if (has("conv")) return "conv";
  if (has("biasadd")) return "bias add";  // TF adds a layer's bias as an op of its own
  if (has("attention") || has("selfatt")) return "attention";  // torch SDPA kernels, MXNet's interleaved ones
  if (has("addmm") || has("matmul") || has("linear") || has("::mm") || has("fullyconnected")) return "dense (gemm)";
  if (has("pool")) return "pool";
  if (has("relu") || has("sigmoid") || has("tanh") || has("threshold") || has("activation") || has("gelu") || ends("erf") ||
      ends("erfc"))
    return "activation";
  if (has("cross_entropy") || has("crossentropy") || has("nll") || has("softmax")) return "loss";
  if (has("batch_norm") || has("batchnorm")) return "batch norm";
  if (has("layer_norm") || has("layernorm")) return "layer norm";
  if (has("embedding")) return "embedding";
  if (has("lstm") || has("rnn_layer") || has("mkldnnrnn")) return "lstm";  // torch 2.x: aten::mkldnn_rnn_layer
  // Moving or re-viewing data, and the copies in and out of a TF session run (_Arg, _Retval, _Recv, _Send).
  if (has("transpose") || has("permute") || has("reshape") || has("flatten") || has("contiguous") || has("copy") ||
      has("clone") || (has("cast") && !has("broadcast")) || has("expanddims") || has("identity") || ends("::t") || ends("::view") ||
      ends("::to") || has(": tbackward") || n == "_arg" || n == "_retval" || n == "_recv" || n == "_send")
    return "copies/layout";
  return "other";
}

std::vector<StepExplanation> explain_steps(const std::vector<nlohmann::json>& train_runs,
                                           const std::vector<nlohmann::json>& op_runs, const nlohmann::json& cases,
                                           int threads) {
  std::vector<StepExplanation> out;
  for (const auto& run : train_runs) {
    if (run.value("status", "") != "ok" || !run.value("default_mode", true)) continue;
    if (threads > 0 && run.value("/settings/threads"_json_pointer, threads) != threads) continue;
    StepExplanation e;
    e.backend = run.value("backend", "?");
    std::vector<double> steps = run.value("step_seconds", std::vector<double>{});
    if (steps.size() > 1) steps.erase(steps.begin());
    e.measured = median(steps);
    if (run.contains("profile") && run["profile"].is_object()) e.profile = run["profile"];
    for (const auto& c : cases) {
      // A backward case times the op's forward and backward pass together (docs/methodology.md),
      // which is what a training step runs; an op without a backward pass runs forward only.
      const nlohmann::json directions = c.value("directions", nlohmann::json::array({"forward"}));
      const bool trained = std::find(directions.begin(), directions.end(), "backward") != directions.end();
      const std::string dir = trained ? "backward" : "forward";
      const auto t = op_median(op_runs, e.backend, c, dir);
      if (!t) {
        e.missing.push_back(fmt::format("{} {} {}", c.value("op", "?"), dir, c.value("params", nlohmann::json::object()).dump()));
        continue;
      }
      const int count = whole_or(c, "count", 1);
      // An update has no backward pass; any other op timed forward alone is marked so.
      const std::string op = c.value("op", "?");
      e.parts[op_family(op) + (trained || op == "sgd_update" ? "" : " (forward only)")] += count * *t;
      e.predicted += count * *t;
    }
    out.push_back(std::move(e));
  }
  return out;
}

Chart step_explained_chart(const std::vector<StepExplanation>& steps) {
  Chart c{"step-explained", "Training step: the ops' times stacked, and the remainder", "chart-step-explained.svg",
          "Per framework, the times of the ops one training step runs (median op benchmark, forward and backward, × how "
          "often the step runs it), stacked by op family, and on top the remainder up to the measured median step. A remainder "
          "below zero (the ops alone take longer than the step) is drawn as zero and shown in the table.",
          "", ""};
  const std::vector<std::string> parts = part_names(steps);
  render_chart(c, [&](const fs::path& dir, const fs::path& svg) {
    const fs::path file = dir / "stack.dat";
    std::ofstream f(file);
    for (const auto& s : steps) {
      f << '"' << s.backend << '"';
      for (const auto& p : parts) f << ' ' << (s.parts.count(p) ? s.parts.at(p) * 1e3 : 0.0);
      f << ' ' << std::max(0.0, s.remainder()) * 1e3 << '\n';
    }
    std::string gp = "set encoding utf8\n";
    gp += "set terminal svg size 820,460 dynamic noenhanced font 'sans,13' background rgb 'white'\n";
    gp += fmt::format("set output {}\nset title {}\n", gnuplot_quoted(svg.string()), gnuplot_quoted(c.title));
    gp += "set ylabel 'milliseconds per step'\nset yrange [0:*]\nset style data histograms\n";
    gp += "set style histogram rowstacked\nset style fill solid 0.85 border -1\nset boxwidth 0.6\n";
    gp += "set grid ytics lc rgb '#d8d8d8'\nset border 3 lc rgb '#444444'\nset tics nomirror\n";
    gp += "set key outside right top vertical Left reverse samplen 2\n";
    std::string plot = "plot ";
    for (size_t i = 0; i <= parts.size(); ++i) {
      const std::string title = i < parts.size() ? parts[i] : kRemainder;
      const std::string colour = i < parts.size() ? style_at(static_cast<int>(i)).colour : "#bbbbbb";
      plot += fmt::format("{}{} using {}{} title {} lc rgb '{}'", i ? ", \\\n     " : "", i ? "''" : gnuplot_quoted(file.string()),
                          i + 2, i ? "" : ":xtic(1)", gnuplot_quoted(title), colour);
    }
    return gp + plot + "\n";
  });
  return c;
}

Section step_explained_section(const std::vector<StepExplanation>& steps, const nlohmann::json& explain, const Chart& chart) {
  Section s{"step-explained", "Training step explained by its ops", 2, {}};
  s.blocks.push_back(Paragraph{fmt::format(
      "`--explain` timed the ops one training step runs ({} op rows at batch {}; each row's time is its median op "
      "benchmark — the backward case, which times the op's forward and backward pass together, for every op with a "
      "backward pass — `--quick`, in the framework's default mode and this run's thread count, times how often the "
      "step runs it; the optimizer's update of each parameter tensor as an `sgd_update` row; the first convolution "
      "without the input gradient a step never computes) and sets their sum beside the measured median step. The "
      "remainder is what the ops do not explain: per-op dispatch and scheduling, bias additions, memory allocation, "
      "and anything the step does that the catalogue has no op for. A negative remainder means the ops take longer "
      "alone than inside the step: an op benchmark pays its framework's fixed cost per call (a session run, an engine "
      "wait) that a step pays once, a first dense layer's case still computes its input gradient, and an op's layout "
      "may differ from the network's (TensorFlow's NCHW convolution case transposes to NHWC; its networks run NHWC).",
      explain.value("cases", nlohmann::json::array()).size(), whole_or(explain, "batch", int64_t{0}))});
  if (!explain.value("not_measured", nlohmann::json::array()).empty()) {
    Bullets b{{}, Tone::muted};
    for (const auto& n : explain["not_measured"]) b.items.push_back("not in the catalogue, so in the remainder: " + n.get<std::string>());
    s.blocks.push_back(b);
  }
  Table t{{"per step"}, {false}, {}};
  for (const auto& e : steps) t.header.push_back(e.backend), t.numeric.push_back(true);
  auto row = [&](const std::string& name, auto value, Tone tone = Tone::plain) {
    std::vector<Cell> r{{name, tone}};
    for (const auto& e : steps) r.push_back({value(e), tone});
    t.rows.push_back(std::move(r));
  };
  row("measured step (median)", [](const StepExplanation& e) { return format_time(e.measured); });
  row("sum of its ops", [](const StepExplanation& e) { return format_time(e.predicted); });
  for (const auto& p : part_names(steps))
    row("  " + p, [&](const StepExplanation& e) { return e.parts.count(p) ? format_time(e.parts.at(p)) : "–"; }, Tone::muted);
  row("remainder", [](const StepExplanation& e) {
    return fmt::format("{}{} ({})", e.remainder() < 0 ? "−" : "", format_time(std::abs(e.remainder())),
                       format_percent(e.measured > 0 ? e.remainder() / e.measured : 0));
  });
  s.blocks.push_back(t);
  if (!chart.svg.empty() || !chart.note.empty())
    s.blocks.push_back(ChartBlock{chart.title, chart.svg.empty() ? "" : chart.file_name, chart.svg, chart.caption, chart.note});

  // Each pair: the slower framework's gap split into the parts' differences and the remainder's.
  Bullets gaps{{}, Tone::plain};
  for (size_t i = 0; i < steps.size(); ++i)
    for (size_t j = 0; j < steps.size(); ++j) {
      const auto& a = steps[i];
      const auto& b = steps[j];
      if (i == j || a.measured <= b.measured || b.measured <= 0) continue;
      const double gap = a.measured - b.measured;
      std::vector<std::pair<double, std::string>> shares;
      for (const auto& p : part_names(steps))
        shares.push_back({(a.parts.count(p) ? a.parts.at(p) : 0.0) - (b.parts.count(p) ? b.parts.at(p) : 0.0), p});
      shares.push_back({a.remainder() - b.remainder(), "remainder (overhead)"});
      std::sort(shares.begin(), shares.end(), [](const auto& x, const auto& y) { return std::abs(x.first) > std::abs(y.first); });
      std::string text;
      for (size_t k = 0; k < shares.size() && k < 4; ++k)
        text += fmt::format("{}{} {}{} ({})", k ? ", " : "", shares[k].second, shares[k].first < 0 ? "−" : "+",
                            format_time(std::abs(shares[k].first)), format_percent(shares[k].first / gap));
      gaps.items.push_back(fmt::format("{}'s step is {}× {}'s (+{}): {}", a.backend, format_sig(a.measured / b.measured), b.backend,
                                       format_time(gap), text));
    }
  if (!gaps.items.empty()) {
    s.blocks.push_back(Paragraph{"Where each gap comes from (the largest four parts; shares of the gap, negative where the "
                                 "slower framework is faster at that part):"});
    s.blocks.push_back(gaps);
  }
  add_profile_table(s, steps);
  Bullets missing{{}, Tone::warn};
  for (const auto& e : steps)
    for (const auto& m : e.missing) missing.items.push_back(e.backend + ": no result for " + m + " (counted in the remainder)");
  if (!missing.items.empty()) s.blocks.push_back(missing);
  return s;
}

}  // namespace versus
