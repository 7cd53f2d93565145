#include "report/training_report.h"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <optional>
#include <set>

#include <fmt/format.h>

#include "core/atomic_file.h"
#include "core/errors.h"
#include "core/stats.h"
#include "report/gnuplot_chart.h"
#include "report/html_writer.h"
#include "report/markdown_writer.h"
#include "report/report_format.h"
#include "report/lines_of_code.h"
#include "report/device_comparison.h"
#include "report/step_explained.h"
#include "report/frontends_section.h"
#include "report/pipelines_section.h"
#include "report/training_modes.h"
#include "report/training_steps.h"
#include "report/training_verdicts.h"
#include "results/results_dir.h"
#include "results/schemas.h"
#include "core/json_number.h"

namespace versus {
namespace {

namespace fs = std::filesystem;

struct TrainingData {
  nlohmann::json plan, context, parity;
  nlohmann::json code;  // code.json: the frameworks' marked code (runner/context.h), null when absent or unreadable
  std::vector<nlohmann::json> runs;  // sorted by backend
  std::vector<StepExplanation> explained;  // with --explain: the step set against its ops
};

// Why an "ok" run lacks what the report indexes without checking (the runner always writes it),
// or "". Such a run is left out and named, so that one cut-short or hand-edited document cannot
// stop or crash the report (found by fuzz/training_report_fuzzer: "epochs": [] reached .back()).
std::string missing_fields(const nlohmann::json& run) {
  if (!run.contains("status") || run["status"] != "ok") return "";
  const auto list = [&](const char* key) { return run.contains(key) && run[key].is_array(); };
  if (!list("epochs") || run["epochs"].empty()) return "no \"epochs\"";
  for (const auto& e : run["epochs"])
    if (!e.is_object()) return "an epoch that is not an object";
  if (!list("step_seconds") || run["step_seconds"].empty() || !list("step_losses"))
    return "no \"step_seconds\" or \"step_losses\"";
  for (const char* key : {"process", "dataset"})
    if (!run.contains(key) || !run[key].is_object()) return fmt::format("no \"{}\" object", key);
  if (run.contains("inference") && !run["inference"].is_object()) return "an \"inference\" that is not an object";
  return "";
}

// Whether parity.json holds everything the parity table indexes: two or more backends' losses and
// the relative differences, each for "steps" steps (found by fuzz/training_report_fuzzer: a missing
// "step_relative_difference", or losses shorter than "steps", were read out of bounds).
bool parity_complete(const nlohmann::json& p) {
  if (!p.is_object() || !p.contains("step_losses") || !p["step_losses"].is_object() || p["step_losses"].size() < 2 ||
      !p.contains("step_relative_difference") || !p["step_relative_difference"].is_array())
    return false;
  const size_t steps = whole_or(p, "steps", size_t{0});
  if (p["step_relative_difference"].size() < steps) return false;
  for (const auto& [backend, losses] : p["step_losses"].items())
    if (!losses.is_array() || losses.size() < steps) return false;
  return true;
}

TrainingData load(const fs::path& dir) {
  TrainingData d;
  d.plan = read_json_file(dir / "training.json");
  // The report indexes these without checking, through const operator[], whose missing key is
  // undefined behaviour (found by fuzz/training_report_fuzzer): a plan without them is refused.
  const auto object_at = [](const nlohmann::json& j, const char* key) { return j.contains(key) && j[key].is_object(); };
  if (!d.plan.is_object() || !object_at(d.plan, "request") || !object_at(d.plan["request"], "dataset") ||
      !object_at(d.plan["request"], "optimizer"))
    throw UserError(fmt::format("{}: not a training plan (no \"request\" with its \"dataset\" and \"optimizer\"); "
                                "pass a folder made by `versus run train`", (dir / "training.json").string()));
  d.context = read_json_file(dir / "context.json");
  if (fs::exists(dir / "parity.json")) d.parity = read_json_file(dir / "parity.json");
  if (fs::exists(dir / "code.json")) {
    try {
      d.code = read_json_file(dir / "code.json");
    } catch (const std::exception&) {  // only the side-by-side code is lost, and the report says nothing false
    }
  }
  std::vector<std::string> unreadable;
  d.runs = ResultsDir(dir).read_runs(kTrainSchema, &unreadable);
  std::erase_if(d.runs, [&](const nlohmann::json& run) {
    const std::string why = missing_fields(run);
    if (!why.empty())
      unreadable.push_back(fmt::format("run {}: {}", run.contains("id") ? run["id"].dump() : "without an id", why));
    return !why.empty();
  });
  if (d.runs.empty()) throw UserError(fmt::format("{} holds no training runs yet", dir.string()));
  if (d.plan.contains("explain")) {
    const fs::path ops = dir / d.plan["explain"].value("ops_folder", "");
    if (fs::is_directory(ops / "runs"))
      d.explained = explain_steps(d.runs, ResultsDir(ops).read_runs(kResultSchema, &unreadable), d.plan["explain"].value("cases", nlohmann::json::array()),
                                  whole_or(d.plan["explain"], "threads", 0));
  }
  for (const auto& u : unreadable) std::fprintf(stderr, "versus: left out of the report: %s\n", u.c_str());
  return d;
}

bool ok(const nlohmann::json& run) { return run.value("status", "") == "ok"; }

// A run's name in tables and charts: the backend, with its mode and thread count when swept.
// "momentum SGD, lr 0.01, momentum 0.9" from the request's optimizer object.
std::string optimizer_in_words(const nlohmann::json& o) {
  const std::string kind = o.value("kind", "?");
  std::string text = kind == "sgd" ? "plain SGD" : kind == "momentum" ? "momentum SGD" : kind == "adam" ? "Adam" : kind;
  for (const auto& [key, value] : o.items()) {
    if (key == "kind") continue;
    const std::string name = key == "learning_rate" ? "lr" : key;
    text += ", " + name + " " + (value.is_number() ? format_sig(value.get<double>()) : value.dump());
  }
  return text;
}

std::string run_label(const nlohmann::json& run) { return run.value("id", run.value("backend", std::string("?"))); }

std::vector<double> doubles(const nlohmann::json& j) { return j.is_array() ? j.get<std::vector<double>>() : std::vector<double>{}; }
// obj[key] as doubles, empty when absent: obj is const, and const operator[] of a missing key is
// undefined behaviour (found by fuzz/training_report_fuzzer: an "inference" without "latency_seconds").
std::vector<double> doubles_at(const nlohmann::json& obj, const char* key) {
  return obj.is_object() && obj.contains(key) ? doubles(obj[key]) : std::vector<double>{};
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[static_cast<size_t>(std::min<double>(static_cast<double>(v.size() - 1), p * static_cast<double>(v.size() - 1) + 0.5))];
}

// Line chart of one series per backend; `points` gives (x, y) pairs of a run.
Chart line_chart(const TrainingData& d, const std::string& key, const std::string& title, const std::string& xlabel,
                 const std::string& ylabel, const std::string& caption, bool log_y,
                 const std::function<std::vector<std::pair<double, double>>(const nlohmann::json&)>& points) {
  Chart c{key, title, "chart-" + key + ".svg", caption, "", ""};
  render_chart(c, [&](const fs::path& dir, const fs::path& svg) {
    std::string gp = "set encoding utf8\n";
    gp += "set terminal svg size 900,480 dynamic noenhanced font 'sans,13' background rgb 'white'\n";
    gp += fmt::format("set output {}\nset title {}\n", gnuplot_quoted(svg.string()), gnuplot_quoted(title));
    gp += fmt::format("set xlabel {}\nset ylabel {}\n", gnuplot_quoted(xlabel), gnuplot_quoted(ylabel));
    gp += log_y ? "set logscale y\n" : "set yrange [0:*]\n";
    gp += "set grid lc rgb '#d8d8d8'\nset border 3 lc rgb '#444444'\nset tics nomirror\n";
    gp += "set key below center horizontal Left reverse samplen 2 width 2\n";
    std::string plot;
    int i = 0;
    for (const auto& run : d.runs) {
      const auto pts = ok(run) ? points(run) : std::vector<std::pair<double, double>>{};
      const int style = i++;
      if (pts.empty()) continue;
      const fs::path file = dir / fmt::format("s{}.dat", style);
      std::ofstream f(file);
      for (const auto& [x, y] : pts) f << fmt::format("{} {}\n", x, y);
      const SeriesStyle st = style_at(style);
      plot += fmt::format("{}{} using 1:2 with linespoints lw 1.5 pt {} ps {} lc rgb '{}' title {}", plot.empty() ? "plot " : ", \\\n     ",
                          gnuplot_quoted(file.string()), st.point_type, pts.size() > 60 ? 0.3 : 1.0, st.colour,
                          gnuplot_quoted(run_label(run)));
    }
    if (plot.empty()) plot = "plot 0 notitle";
    return gp + plot + "\n";
  });
  return c;
}

// One bar per backend (value with an optional interval as error bars), in the backend's colour.
struct Bar {
  double value = 0, low = 0, high = 0;
};
Chart bar_chart(const TrainingData& d, const std::string& key, const std::string& title, const std::string& ylabel,
                const std::string& caption, const std::function<std::optional<Bar>(const nlohmann::json&)>& bar_of) {
  Chart c{key, title, "chart-" + key + ".svg", caption, "", ""};
  render_chart(c, [&](const fs::path& dir, const fs::path& svg) {
    const fs::path file = dir / "bars.dat";
    std::ofstream f(file);
    int i = 0;
    bool intervals = false;
    for (const auto& run : d.runs) {
      const int style = i++;
      const std::optional<Bar> b = ok(run) ? bar_of(run) : std::nullopt;
      if (!b) continue;
      intervals = intervals || b->low < b->high;
      // The colour as 0xRRGGBB for gnuplot's `lc rgb variable`.
      const long colour = std::strtol(style_at(style).colour + 1, nullptr, 16);
      f << fmt::format("{} \"{}\" {} {} {} {}\n", style, run_label(run), b->value, b->low, b->high, colour);
    }
    std::string gp = "set encoding utf8\n";
    // Wider for many runs (modes, thread counts), their names slanted so they never overlap.
    gp += fmt::format("set terminal svg size {},420 dynamic noenhanced font 'sans,13' background rgb 'white'\n",
                      std::max<size_t>(700, 90 * d.runs.size()));
    if (d.runs.size() > 5) gp += "set xtics rotate by -25\n";
    gp += fmt::format("set output {}\nset title {}\n", gnuplot_quoted(svg.string()), gnuplot_quoted(title));
    gp += fmt::format("set ylabel {}\nset yrange [0:*]\nset style fill solid 0.8 border -1\nset boxwidth 0.6\n", gnuplot_quoted(ylabel));
    gp += "set grid ytics lc rgb '#d8d8d8'\nset border 3 lc rgb '#444444'\nset tics nomirror\nunset key\nset xrange [-0.7:*]\n";
    gp += fmt::format("plot {} using 1:3:6:xtic(2) with boxes lc rgb variable", gnuplot_quoted(file.string()));
    if (intervals) gp += ", \\\n     '' using 1:3:4:5 with yerrorbars lc rgb '#222222' pt 0 lw 1.5";
    return gp + "\n";
  });
  return c;
}

// Step time per run with its 95 % interval between worker processes.
Chart step_time_chart(const TrainingData& d) {
  return bar_chart(d, "step-time", "Training step time (95 % CI between processes)", "milliseconds per step",
                   "Time of one optimizer step (forward, backward, update; the batch already in host memory) after the "
                   "warm-up steps: per worker process (the run and its repeats) the median step, across processes their "
                   "geometric mean, with the 95 % Student-t interval between processes as error bars. Lower is better.",
                   [](const nlohmann::json& run) -> std::optional<Bar> {
                     if (steps_by_process(run).empty()) return std::nullopt;
                     const Summary s = step_summary(run);
                     return Bar{s.median * 1e3, s.ci_low * 1e3, s.ci_high * 1e3};
                   });
}

// Inference after training: batch-1 latency, median and its 95 % interval over the 50 runs.
Chart latency_chart(const TrainingData& d) {
  return bar_chart(d, "inference-latency", "Inference latency, batch 1 (median, 95 % CI)", "milliseconds per prediction",
                   "One sample predicted at a time after training (inference mode, 50 timed runs after 5 warm-up "
                   "runs): the median with the 95 % bootstrap interval of the median. Lower is better.",
                   [](const nlohmann::json& run) -> std::optional<Bar> {
                     if (!run.contains("inference")) return std::nullopt;
                     const std::vector<double> lat = doubles_at(run["inference"], "latency_seconds");
                     if (lat.empty()) return std::nullopt;
                     const Summary s = summarize(lat);
                     return Bar{s.median * 1e3, s.ci_low * 1e3, s.ci_high * 1e3};
                   });
}

Chart peak_memory_chart(const TrainingData& d) {
  return bar_chart(d, "peak-memory", "Peak memory (resident set of the worker process)", "MiB",
                   "The largest resident set size of each framework's worker process (getrusage ru_maxrss): the "
                   "framework's libraries, the dataset in memory, parameters, activations and the allocator's caches. "
                   "One process per framework, so there is no interval. Lower is better.",
                   [](const nlohmann::json& run) -> std::optional<Bar> {
                     if (!run.contains("process") || !run["process"].contains("max_rss_mib")) return std::nullopt;
                     const double mib = run["process"]["max_rss_mib"].get<double>();
                     return Bar{mib, mib, mib};
                   });
}

// The longest sampling interval of the runs (long runs sample less often).
double sample_interval(const TrainingData& d) {
  double interval = 0;
  for (const auto& run : d.runs)
    if (run.contains("process") && run["process"].contains("timeline"))
      interval = std::max(interval, run["process"]["timeline"].value("interval_seconds", 0.0));
  return interval;
}

// The worker's timeline (runner/train_runner.h resource_timeline), as (seconds, value) points.
std::vector<std::pair<double, double>> timeline_points(const nlohmann::json& run, bool cpu) {
  std::vector<std::pair<double, double>> pts;
  if (!run.contains("process") || !run["process"].contains("timeline")) return pts;
  const auto& tl = run["process"]["timeline"];
  const std::vector<double> t = doubles_at(tl, "seconds"), c = doubles_at(tl, "cpu_seconds"), m = doubles_at(tl, "rss_mib");
  for (size_t i = 0; i < t.size() && i < c.size() && i < m.size(); ++i) {
    if (!cpu) pts.push_back({t[i], m[i]});
    // Cores busy over the interval since the last sample, plotted at its middle.
    else if (i > 0 && t[i] > t[i - 1]) pts.push_back({(t[i] + t[i - 1]) / 2, (c[i] - c[i - 1]) / (t[i] - t[i - 1])});
  }
  return pts;
}

// Every step's loss up to kMaxLossPoints steps; beyond, the mean of consecutive buckets of steps
// (plotted at the bucket's middle step), which keeps the chart small and the trend readable.
constexpr size_t kMaxLossPoints = 400;
size_t loss_bucket(size_t steps) { return (steps + kMaxLossPoints - 1) / kMaxLossPoints; }

std::vector<std::pair<double, double>> averaged_losses(const std::vector<double>& losses) {
  const size_t bucket = std::max<size_t>(1, loss_bucket(losses.size()));
  std::vector<std::pair<double, double>> pts;
  for (size_t begin = 0; begin < losses.size(); begin += bucket) {
    const size_t end = std::min(losses.size(), begin + bucket);
    double sum = 0;
    for (size_t k = begin; k < end; ++k) sum += losses[k];
    pts.push_back({static_cast<double>(begin + end + 1) / 2.0, sum / static_cast<double>(end - begin)});
  }
  return pts;
}

std::string fmt_opt(const nlohmann::json& j, const char* key, double scale, const char* unit) {
  return j.contains(key) && j[key].is_number() ? fmt::format("{}{}", format_sig(j[key].get<double>() * scale), unit) : "–";
}

Document build(const TrainingData& d, const std::vector<Chart>& charts) {
  const auto& request = d.plan["request"];
  Document doc;
  doc.title = fmt::format("versus training report — {}", d.plan.value("network", "?"));
  doc.subtitle = fmt::format("{} on {}, {} epochs, batch {}, {} (lr {}), seed {}, {} threads",
                             d.plan.value("network", "?"), request["dataset"].value("name", "?"),
                             whole_or(request, "epochs", int64_t{0}), whole_or(request, "batch", int64_t{0}),
                             request["optimizer"].value("kind", "?"), request["optimizer"].value("learning_rate", 0.0),
                             whole_or(request, "seed", uint64_t{0}), whole_or(request, "threads", 0));

  Section summary{"summary", "Summary", 2, {}};
  KeyValues kv;
  const nlohmann::json* first_ok = nullptr;
  for (const auto& run : d.runs)
    if (ok(run) && !first_ok) first_ok = &run;
  if (first_ok) {
    const auto& ds = (*first_ok)["dataset"];
    kv.items.push_back({"network", fmt::format("{} ({} parameters)", first_ok->value("network", "?"), whole_or(*first_ok, "parameters", int64_t{0}))});
    kv.items.push_back({"dataset", fmt::format("{}: {} train / {} test samples, {}", ds.value("name", "?"), whole_or(ds, "train", int64_t{0}),
                                               whole_or(ds, "test", int64_t{0}), ds.value("origin", "?"))});
  }
  kv.items.push_back({"optimizer", optimizer_in_words(request["optimizer"])});
  std::set<std::string> weights, orders;
  for (const auto& run : d.runs)
    if (ok(run)) weights.insert(run.value("initial_weights_checksum", "")), orders.insert(run.value("batch_order_checksum", ""));
  kv.items.push_back({"same initial weights", weights.size() <= 1 ? fmt::format("yes (checksum {})", weights.empty() ? "–" : *weights.begin())
                                                                  : "NO: the backends started from different weights"});
  kv.items.push_back({"same batches", orders.size() <= 1 ? fmt::format("yes (order checksum {})", orders.empty() ? "–" : *orders.begin())
                                                         : "NO: the backends saw different batches"});
  if (!d.parity.is_null()) {
    kv.items.push_back({"parity", d.parity.value("verdict", "?")});
    const auto spread = doubles(d.parity.value("test_accuracy_spread_points", nlohmann::json::array()));
    if (!spread.empty())
      kv.items.push_back({"test accuracy agreement", fmt::format("the backends' test accuracies differ by at most {} points "
                                                                 "over the {} epochs ({} after the last)",
                                                                 format_sig(*std::max_element(spread.begin(), spread.end())),
                                                                 spread.size(), format_sig(spread.back()))});
  }
  summary.blocks.push_back(kv);
  for (const auto& run : d.runs)
    if (ok(run) && run["dataset"].value("synthetic", false)) {
      summary.blocks.push_back(Bullets{{"These runs used SYNTHETIC data (" + run["dataset"].value("origin", std::string()) +
                                        "): times are real, accuracies say nothing about the real dataset."}, Tone::warn});
      break;
    }

  Table t{{"backend", "status", "test accuracy", "epoch time", "samples/s", "step", "step 95 % CI", "step p99",
           "build", "warm-up", "peak RSS", "CPU cores busy"},
          {false, false, true, true, true, true, true, true, true, true, true, true}, {}};
  Bullets failures{{}, Tone::bad};
  for (const auto& run : d.runs)
    if (ok(run) && run.contains("time_to_accuracy")) {
      t.header.push_back(fmt::format("time to {}", format_percent(run["time_to_accuracy"].value("target", 0.0))));
      t.numeric.push_back(true);
      break;
    }
  for (const auto& run : d.runs) {
    const std::string backend = run_label(run);
    if (!ok(run)) {
      t.rows.push_back({{backend}, {run.value("status", "error"), Tone::bad}});
      t.rows.back().resize(t.header.size(), Cell{"–"});
      failures.items.push_back(fmt::format("{}: {} — {}", backend, run.value("status", "error"), run.value("reason", std::string())));
      continue;
    }
    const std::vector<double> steps = steady_steps(run);
    const Summary s = step_summary(run);
    std::vector<double> epoch_times, rates;
    for (const auto& e : run["epochs"]) epoch_times.push_back(e.value("seconds", 0.0)), rates.push_back(e.value("samples_per_second", 0.0));
    const auto& last = run["epochs"].back();
    t.rows.push_back({{backend}, {"ok", Tone::good},
                      {last.contains("test_accuracy") ? format_percent(last["test_accuracy"].get<double>()) : "–"},
                      {format_time(median(epoch_times))}, {format_sig(median(rates))}, {format_time(s.median)},
                      {fmt::format("{} – {}", format_time(s.ci_low), format_time(s.ci_high))},
                      {format_time(percentile(steps, 0.99))},
                      {format_time(run.value("build_seconds", 0.0))}, {warmup_text(run)},
                      {fmt::format("{} MiB", format_sig(run["process"].value("max_rss_mib", 0.0)))},
                      {fmt_opt(run, "cpu_utilisation_cores", 1, "")}});
    if (t.header.size() > t.rows.back().size()) {
      const auto& tta = run.value("time_to_accuracy", nlohmann::json::object());
      t.rows.back().push_back({tta.contains("seconds") && tta["seconds"].is_number() ? format_time(tta["seconds"].get<double>()) : "not reached"});
    }
  }
  Section results{"results", "Training", 2, {}};
  results.blocks.push_back(Paragraph{"Epoch time and samples/s are medians over epochs (evaluation excluded); "
                                     "step times exclude the warm-up steps (shown as \"warm-up\", build time like the "
                                     "build column): the first, which includes graph construction, and the steps right after "
                                     "it that take over twice the rest (lazy compilation); the step and its interval are between worker processes (the run and "
                                     "its repeats); a p99 far above the median is a heavy tail of slow "
                                     "steps, which the epoch time includes. CPU cores busy = process CPU time / wall time."});
  results.blocks.push_back(t);
  if (!failures.items.empty()) results.blocks.push_back(failures);
  if (auto gpu = training_gpu_table(d.runs)) {
    results.blocks.push_back(Paragraph{"On the GPU, what NVML sampled on GPU 0 while each worker ran (the whole process: "
                                       "data generation, build, training, evaluation and inference):"});
    results.blocks.push_back(std::move(*gpu));
  }
  for (const Chart& c : charts)
    if (c.group_key != "step-explained")
      results.blocks.push_back(ChartBlock{c.title, c.svg.empty() ? "" : c.file_name, c.svg, c.caption, c.note});
  if (auto answer = training_verdict_section(d.runs)) doc.sections.push_back(std::move(*answer));
  doc.sections.push_back(std::move(summary));
  doc.sections.push_back(std::move(results));
  if (auto frontends = frontends_section(d.runs)) doc.sections.push_back(std::move(*frontends));
  if (auto pipelines = pipelines_section(d.runs)) doc.sections.push_back(std::move(*pipelines));
  if (auto modes = execution_modes_section(d.runs)) doc.sections.push_back(std::move(*modes));
  if (!d.explained.empty())
    for (const Chart& c : charts)
      if (c.group_key == "step-explained") doc.sections.push_back(step_explained_section(d.explained, d.plan["explain"], c));
  if (auto loc = lines_of_code_section(request.value("network", nlohmann::json::object()),
                                       d.context.value("frameworks", nlohmann::json::object()), d.code))
    doc.sections.push_back(std::move(*loc));

  Table inf{{"backend", "latency p50 (batch 1)", "latency p99 (batch 1)", "throughput batch", "throughput (samples/s)"},
            {false, true, true, true, true}, {}};
  for (const auto& run : d.runs) {
    if (!ok(run) || !run.contains("inference")) continue;
    const auto& i = run["inference"];
    const std::vector<double> lat = doubles_at(i, "latency_seconds"), thr = doubles_at(i, "throughput_seconds");
    const auto b = whole_or(i, "throughput_batch", int64_t{0});
    inf.rows.push_back({{run_label(run)}, {format_time(percentile(lat, 0.5))}, {format_time(percentile(lat, 0.99))},
                        {std::to_string(b)}, {thr.empty() ? "–" : format_sig(b / median(thr))}});
  }
  if (!inf.rows.empty()) {
    Section s{"inference", "Inference", 2, {}};
    s.blocks.push_back(Paragraph{"After training: 50 single-sample predictions timed one by one (after 5 warm-up runs), and "
                                 "5 predictions of a large batch (after 2 warm-up runs)."});
    s.blocks.push_back(inf);
    doc.sections.push_back(std::move(s));
  }

  if (parity_complete(d.parity)) {
    Section s{"parity", "Parity", 2, {}};
    s.blocks.push_back(Paragraph{fmt::format("Per-step training losses of every framework, from the same weights on the "
                                             "same batches. Largest relative difference {} at step {} ({}); tolerance {}.",
                                             format_sci(d.parity.value("largest_relative_difference", 0.0)),
                                             whole_or(d.parity, "worst_step", 0), d.parity.value("worst_pair", std::string("–")),
                                             format_sci(d.parity.value("tolerance", 0.0)))});
    Table p{{"step"}, {true}, {}};
    for (const auto& [b, l] : d.parity["step_losses"].items()) p.header.push_back(b), p.numeric.push_back(true);
    p.header.push_back("relative difference"), p.numeric.push_back(true);
    const size_t steps = whole_or(d.parity, "steps", size_t{0});
    const double tol = d.parity.value("tolerance", 0.0);
    for (size_t k = 0; k < steps; ++k) {
      if (k >= 5 && k + 3 < steps && (k + 1) % 10 != 0) continue;
      std::vector<Cell> row{{std::to_string(k + 1)}};
      for (const auto& [b, l] : d.parity["step_losses"].items()) row.push_back({fmt::format("{:.6f}", l[k].get<double>())});
      const double rel = d.parity["step_relative_difference"][k].get<double>();
      row.push_back({format_sci(rel), rel <= tol ? Tone::good : Tone::bad});
      p.rows.push_back(std::move(row));
    }
    s.blocks.push_back(p);
    // Runs left out of the comparison, with why: a failure, or a frontend's own different algorithm.
    Bullets apart{{}, Tone::muted};
    const nlohmann::json not_compared = d.parity.value("not_compared", nlohmann::json::object());  // named: items() of a temporary dangles
    for (const auto& [b, why] : not_compared.items())
      if (why.is_string()) apart.items.push_back(fmt::format("`{}` not compared: {}", b, why.get<std::string>()));
    if (!apart.items.empty()) s.blocks.push_back(std::move(apart));
    doc.sections.push_back(std::move(s));
  }

  Section machine{"machine", "Machine and frameworks", 2, {}};
  KeyValues m;
  if (d.context.contains("machine")) {
    const auto& mc = d.context["machine"];
    if (mc.contains("cpu")) m.items.push_back({"cpu", fmt::format("{} ({} cores)", mc["cpu"].value("model", "?"), whole_or(mc["cpu"], "logical_cores", 0))});
    m.items.push_back({"os", mc.value("os", "?")});
  }
  std::set<std::string> listed;
  for (const auto& run : d.runs) {
    if (!run.contains("framework") || !run["framework"].is_object()) continue;
    const auto& fw = run["framework"];
    if (run.value("tier", "cpp") == "python") {  // the Python tier: its frontend and interpreter, as the worker found them
      if (listed.insert(run.value("backend", "?") + " python").second)
        m.items.push_back({run.value("backend", "?") + " (Python tier)",
                           fmt::format("{} on {} {}, Python {}, numpy {}", fw.value("frontend", "?"), fw.value("framework", "?"),
                                       fw.value("version", "?"), fw.value("python", "?"), fw.value("numpy", "?"))});
    } else if (listed.insert(run.value("backend", "?")).second) {
      m.items.push_back({run.value("backend", "?"), fw.value("version", "?")});
    }
  }
  machine.blocks.push_back(m);
  doc.sections.push_back(std::move(machine));
  return doc;
}

std::string render_training_csv(const TrainingData& d) {
  std::string csv = "backend,status,epoch,epoch_seconds,samples_per_second,train_loss,test_loss,test_accuracy\n";
  for (const auto& run : d.runs) {
    if (!ok(run)) {
      csv += fmt::format("{},{},,,,,,\n", run_label(run), run.value("status", "error"));
      continue;
    }
    for (const auto& e : run["epochs"])
      csv += fmt::format("{},ok,{},{},{},{},{},{}\n", run_label(run), whole_or(e, "epoch", 0), e.value("seconds", 0.0),
                         e.value("samples_per_second", 0.0), e.value("train_loss", 0.0),
                         e.contains("test_loss") ? fmt::format("{}", e["test_loss"].get<double>()) : "",
                         e.contains("test_accuracy") ? fmt::format("{}", e["test_accuracy"].get<double>()) : "");
  }
  return csv;
}

}  // namespace

bool is_training_folder(const fs::path& results_dir) { return fs::exists(results_dir / "training.json"); }

namespace {

ReportFiles write_unchecked(const fs::path& results_dir, const fs::path& out_dir) {
  const TrainingData d = load(results_dir);
  prepare_report_folder(out_dir);
  std::vector<Chart> charts;
  size_t steps = 0;
  for (const auto& run : d.runs)
    if (ok(run)) steps = std::max(steps, run["step_losses"].size());
  const size_t bucket = loss_bucket(steps);
  charts.push_back(line_chart(d, "loss", "Training loss per step", "step", "batch loss (log scale)",
                              std::string(bucket > 1 ? fmt::format("The mean loss of every {} consecutive optimizer steps", bucket)
                                                     : "The loss of every optimizer step") +
                                  ", computed in each framework's forward pass. From the same weights on the same batches "
                                  "the curves lie on top of each other while the frameworks compute the same thing; float32 "
                                  "rounding makes them drift apart slowly (the parity table has the first steps' exact losses).",
                              true, [](const nlohmann::json& run) {
                                return averaged_losses(doubles(run["step_losses"]));
                              }));
  bool any_accuracy = false;
  size_t most_epochs = 0;
  for (const auto& run : d.runs)
    if (ok(run)) {
      any_accuracy = any_accuracy || run["epochs"].back().contains("test_accuracy");
      most_epochs = std::max(most_epochs, run["epochs"].size());
    }
  // One epoch is one point per run: bars say it plainly, a line chart would draw a lone dot on an
  // axis from 0.99 to 1.01.
  if (any_accuracy && most_epochs == 1)
    charts.push_back(bar_chart(d, "accuracy", "Test accuracy after the epoch", "test accuracy (%)",
                               "Accuracy on the whole test split after the one epoch trained (inference mode).",
                               [](const nlohmann::json& run) -> std::optional<Bar> {
                                 const auto& last = run["epochs"].back();
                                 if (!last.contains("test_accuracy")) return std::nullopt;
                                 const double v = last["test_accuracy"].get<double>() * 100;
                                 return Bar{v, v, v};
                               }));
  else if (any_accuracy)
    charts.push_back(line_chart(d, "accuracy", "Test accuracy after each epoch", "epoch", "test accuracy (%)",
                                "Accuracy on the whole test split after every epoch (inference mode).", false,
                                [](const nlohmann::json& run) {
                                  std::vector<std::pair<double, double>> pts;
                                  for (const auto& e : run["epochs"])
                                    if (e.contains("test_accuracy"))
                                      pts.push_back({e.value("epoch", 0.0), e["test_accuracy"].get<double>() * 100});
                                  return pts;
                                }));
  charts.push_back(step_time_chart(d));
  bool any_inference = false;
  for (const auto& run : d.runs) any_inference = any_inference || (ok(run) && run.contains("inference"));
  if (any_inference) charts.push_back(latency_chart(d));
  charts.push_back(peak_memory_chart(d));
  if (!d.explained.empty()) charts.push_back(step_explained_chart(d.explained));
  charts.push_back(line_chart(d, "cpu-timeline", "CPU use over time", "seconds since the worker started", "cores busy",
                              fmt::format("Cores kept busy by each framework's worker process (CPU time of all its threads "
                                          "per interval of wall time, read from /proc every {} s), from start-up "
                                          "through data loading, training, evaluation and inference. The thread budget was "
                                          "{}: a curve below it is a framework leaving cores idle; one above it, threads "
                                          "beyond the budget (e.g. spinning inter-op pools).",
                                          format_sig(sample_interval(d)), whole_or(d.plan["request"], "threads", 0)),
                              false, [](const nlohmann::json& run) { return timeline_points(run, true); }));
  charts.push_back(line_chart(d, "memory-timeline", "Memory over time", "seconds since the worker started",
                              "resident set (MiB)",
                              "Resident set size of each framework's worker process over the same timeline: the step "
                              "up at start-up is the framework's libraries and the dataset, the rise during the first "
                              "steps the activations and the allocator's caches.",
                              false, [](const nlohmann::json& run) { return timeline_points(run, false); }));
  return write_report_files(out_dir, charts, build(d, charts), render_training_csv(d));
}

}  // namespace

ReportFiles write_training_report(const fs::path& results_dir, const fs::path& out_dir) {
  try {
    return write_unchecked(results_dir, out_dir);
  } catch (const nlohmann::json::exception& e) {
    // The training report reads training.json, parity.json and the runs as versus writes them:
    // one of another shape is the folder's problem, not an internal error (fuzz/training_report_fuzzer).
    throw UserError(fmt::format("{}: a document has a field of an unexpected type ({}); cannot write its report",
                                results_dir.string(), e.what()));
  }
}

}  // namespace versus
