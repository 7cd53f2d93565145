#include "results/recorded_environment.h"
#include "report/report_content.h"

#include "report/verdicts.h"

#include <algorithm>
#include <map>
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/op_registry.h"
#include "core/stats.h"
#include "report/device_comparison.h"
#include "report/framework_sections.h"
#include "report/load_section.h"
#include "report/report_format.h"
#include "core/json_number.h"

namespace versus {
namespace {

using nlohmann::json;

constexpr const char* kNotRecorded = "not recorded";

const json& member(const json& j, const char* key) {
  static const json null;
  return j.is_object() && j.contains(key) ? j[key] : null;
}

std::string text_of(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean()) return v.get<bool>() ? "yes" : "no";
  if (v.is_null()) return kNotRecorded;
  if (v.is_array()) {
    std::vector<std::string> parts;
    for (const json& x : v) parts.push_back(text_of(x));
    return fmt::format("{}", fmt::join(parts, ", "));
  }
  return v.dump();
}

std::string plural(int64_t n, const char* word) {
  return fmt::format("{} {}{}", n, word, n == 1 ? "" : "s");
}

// A set of values as "a" or "a, b and c": the methodology states what the runs really used.
template <typename T>
std::string list_of(const std::set<T>& values, std::string (*f)(const T&)) {
  std::vector<std::string> parts;
  for (const T& v : values) parts.push_back(f(v));
  if (parts.size() <= 1) return parts.empty() ? kNotRecorded : parts[0];
  return fmt::format("{} and {}", fmt::join(parts.begin(), parts.end() - 1, ", "), parts.back());
}
std::string int_text(const int64_t& v) { return std::to_string(v); }
std::string str_text(const std::string& v) { return v; }

bool is_failure(const RunRow& r) { return r.status != "ok"; }

// --- provenance -----------------------------------------------------------------------------

KeyValues machine_facts(const ReportData& d) {
  const json& m = member(d.context, "machine");
  const json& cpu = member(m, "cpu");
  KeyValues kv;
  if (cpu.is_object()) {
    const std::string gov = cpu.value("governor", std::string());
    kv.items.emplace_back("CPU", fmt::format("{}, {} physical / {} logical cores, {} MHz, frequency governor: {}",
                                             text_of(member(cpu, "model")), text_of(member(cpu, "physical_cores")),
                                             text_of(member(cpu, "logical_cores")),
                                             cpu.contains("mhz") && cpu["mhz"].is_number() ? format_sig(cpu["mhz"].get<double>()) : "?",
                                             gov.empty() ? "not reported" : gov));
    kv.items.emplace_back("ISA extensions", cpu.contains("isa") ? fmt::format("{}", fmt::join(cpu["isa"], " ")) : kNotRecorded);
  } else {
    kv.items.emplace_back("CPU", kNotRecorded);
  }
  if (m.contains("memory_gib") && m["memory_gib"].is_number())
    kv.items.emplace_back("Memory", fmt::format("{:.1f} GiB ({:.1f} GiB available at the start)", m["memory_gib"].get<double>(),
                                                m.value("memory_available_gib", 0.0)));
  const json& gpus = member(m, "gpus");
  kv.items.emplace_back("GPUs", gpus.is_array() && !gpus.empty() ? text_of(gpus) : "none found");
  kv.items.emplace_back("OS", fmt::format("{}{}, host {}", text_of(member(m, "os")),
                                          m.value("distribution", std::string()).empty() ? "" : " · " + m.value("distribution", std::string()),
                                          text_of(member(m, "hostname"))));
  if (m.contains("load_average") && m["load_average"].is_array()) {
    std::vector<std::string> l;
    for (const json& x : m["load_average"]) l.push_back(x.is_number() ? fmt::format("{:.2f}", x.get<double>()) : "?");
    kv.items.emplace_back("Load average at the start", fmt::format("{} (1, 5, 15 min)", fmt::join(l, " ")));
  }
  const json& roof = member(d.context, "roofline");
  if (roof.is_object()) {
    kv.items.emplace_back("Measured peak", fmt::format("{} GFLOP/s with {} ({})", format_sig(roof.value("peak_gflops", 0.0)),
                                                       plural(whole_or(roof, "threads", 1), "thread"), text_of(member(roof, "isa"))));
    kv.items.emplace_back("Measured bandwidth", fmt::format("{} GB/s", format_sig(roof.value("bandwidth_gbs", 0.0))));
    kv.items.emplace_back("Roofline method", text_of(member(roof, "method")));
  } else {
    kv.items.emplace_back("Roofline", "not measured: no % of peak can be given");
  }
  const json& v = member(d.context, "versus");
  kv.items.emplace_back("versus", fmt::format("{}, git revision {}", text_of(member(v, "version")), text_of(member(v, "git_revision"))));
  return kv;
}

KeyValues suite_facts(const ReportData& d) {
  KeyValues kv;
  const json& settings = member(d.suite, "settings");
  const bool quick = settings.is_object() && settings.value("quick", false);
  kv.items.emplace_back("Mode", quick ? "QUICK: fewer samples and processes per case; the numbers are less precise"
                                      : "full (not quick)");
  const std::string desc = d.suite.value("description", std::string());
  kv.items.emplace_back("Suite", fmt::format("`{}`{}", d.suite.value("name", std::string("?")), desc.empty() ? "" : " — " + desc));
  int64_t results = 0;
  std::string first, last;
  for (const RunRow& r : d.rows) {
    if (r.status == "not run") continue;
    ++results;
    if (!r.created.empty() && (first.empty() || r.created < first)) first = r.created;
    if (r.created > last) last = r.created;
  }
  kv.items.emplace_back("Runs", fmt::format("{} with results, {} planned", results,
                                            member(d.suite, "cases").is_array() ? d.suite["cases"].size() : d.rows.size()));
  if (!first.empty()) kv.items.emplace_back("Run between", fmt::format("{} and {} (UTC)", first, last));
  kv.items.emplace_back("Results folder", fmt::format("`{}`", d.root.string()));
  return kv;
}

Table frameworks_table(const ReportData& d) {
  Table t{{"Framework", "Version", "Variants", "Build"}, {false, false, false, false}, {}};
  const json& fw = member(d.context, "frameworks");
  if (!fw.is_object()) return t;
  for (const auto& [name, info] : fw.items()) {
    if (info.contains("available") && !info.value("available", true)) {
      t.rows.push_back({{name}, {"not available", Tone::bad}, {""}, {text_of(member(info, "problem"))}});
      continue;
    }
    std::vector<std::string> build;
    if (info.contains("build") && info["build"].is_object())
      for (const auto& [k, v] : info["build"].items()) build.push_back(k + "=" + text_of(v));
    t.rows.push_back({{name}, {text_of(member(info, "version"))}, {text_of(member(info, "variants"))},
                      {fmt::format("{}", fmt::join(build, "; "))}});
  }
  return t;
}

std::vector<Block> environment_blocks(const ReportData& d) {
  std::map<std::string, std::map<std::string, int>> seen;  // variable -> value -> runs
  int runs = 0;
  for (const RunRow& r : d.rows) {
    if (r.status == "not run") continue;
    ++runs;
    if (r.environment.is_object())
      for (const auto& [k, v] : r.environment.items()) ++seen[k][text_of(v)];
  }
  Table t{{"Variable", "Value"}, {false, false}, {}};
  for (const auto& [name, values] : seen) {
    std::vector<std::string> parts;
    for (const auto& [value, n] : values)
      parts.push_back(values.size() == 1 && n == runs ? value : fmt::format("{} ({})", value, plural(n, "run")));
    t.rows.push_back({{name, Tone::plain, true}, {fmt::format("{}", fmt::join(parts, ", ")), Tone::plain, true}});
  }
  std::vector<std::string> unset;
  for (const std::string& name : environment_that_matters())
    if (!seen.count(name)) unset.push_back(name);
  std::vector<Block> blocks;
  blocks.push_back(Paragraph{"Environment variables of the worker processes, as each run recorded them:"});
  blocks.push_back(std::move(t));
  if (!unset.empty())
    blocks.push_back(Paragraph{fmt::format("Unset in every run: {}.", fmt::join(unset, ", "))});
  return blocks;
}

// --- notes: what a reader must know before trusting the numbers --------------------------------

Bullets notes(const ReportData& d) {
  Bullets b{{}, Tone::warn};
  const json& settings = member(d.suite, "settings");
  if (settings.is_object() && settings.value("quick", false))
    b.items.push_back("QUICK mode: fewer samples and processes than a full run; treat differences of a few percent as noise.");
  for (const auto& u : d.unreadable_files) b.items.push_back(fmt::format("Left out, unreadable: {}.", u));
  if (const json& planned = member(d.suite, "notes"); planned.is_array() && !planned.empty()) {
    std::vector<std::string> lines;
    for (const auto& n : planned) lines.push_back(n.get<std::string>());
    b.items.push_back(fmt::format("Left out of the plan (the worker declares the variant lacks the op): {}.",
                                  fmt::format("{}", fmt::join(lines, "; "))));
  }
  std::map<std::string, int> by_status;
  int unstable = 0, short_samples = 0, imprecise = 0, extended = 0;
  for (const RunRow& r : d.rows) {
    if (is_failure(r)) ++by_status[r.status];
    if (r.unstable.value_or(false)) ++unstable;
    if (r.imprecise()) ++imprecise;
    if (r.extra_processes > 0) ++extended;
    if (!r.timing_warnings.empty()) ++short_samples;
  }
  for (const auto& [status, n] : by_status)
    b.items.push_back(fmt::format("{} `{}`: shown in the tables with the reason; see Details.", plural(n, "run"), status));
  if (unstable > 0)
    b.items.push_back(fmt::format("{} UNSTABLE (coefficient of variation above the threshold): rerun on an idle machine "
                                  "or with more processes before drawing conclusions from them.",
                                  unstable == 1 ? "1 run is" : fmt::format("{} runs are", unstable)));
  if (extended > 0)
    b.items.push_back(fmt::format("{} needed extra worker processes to bring the 95 % interval of the median within "
                                  "±{} of it.", plural(extended, "run"), format_percent(kCiHalfWidthTarget)));
  if (imprecise > 0)
    b.items.push_back(fmt::format("{} still wider than ±{} of the median after the extra processes (marked WIDE in "
                                  "the tables): the machine was too noisy for that precision.",
                                  imprecise == 1 ? "1 run's 95 % interval is" : fmt::format("{} runs' 95 % intervals are", imprecise),
                                  format_percent(kCiHalfWidthTarget)));
  if (short_samples > 0)
    b.items.push_back(fmt::format("{} had samples shorter than the timing plan's minimum (listed in Details): their "
                                  "timings include one-off stalls.", plural(short_samples, "run")));
  for (const std::string& w : d.environment_warnings) b.items.push_back(w);
  for (const std::string& s : d.context_mismatches)
    b.items.push_back("Context differs from context.json — " + s);
  return b;
}

// --- per-op tables --------------------------------------------------------------------------

Cell status_cell(const RunRow& r) {
  if (r.status == "ok") return {"ok", Tone::good};
  const Tone tone = r.status == "unsupported" || r.status == "not run" ? Tone::muted : Tone::bad;
  return {r.reason.empty() ? r.status : r.status + ": " + r.reason, tone};
}

Cell validation_cell(const RunRow& r) {
  if (!r.max_rel_error) return {"—"};
  const std::string tol = r.tolerance ? " (tol " + format_sci(*r.tolerance) + ")" : "";
  return {format_sci(*r.max_rel_error) + tol, r.validation_passed.value_or(true) ? Tone::plain : Tone::bad};
}

Table group_table(const RowGroup& g) {
  Table t{{"Shape", "Backend", "Median", "95 % CI", "vs best", "GFLOP/s", "GFLOP/s 95 % CI", "% roofline", "CV",
           "Max rel. error", "Status"},
          {false, false, true, true, true, true, true, true, true, true, false},
          {}};
  std::map<std::string, double> best;  // fastest median per shape
  for (const RunRow* r : g.rows)
    if (r->ok() && (!best.count(r->shape) || *r->median < best[r->shape])) best[r->shape] = *r->median;
  for (const RunRow* r : g.rows) {
    std::vector<Cell> row = {{r->shape, Tone::plain, true}, {r->label()}};
    if (r->ok()) {
      const TimeUnit u = time_unit_for(*r->median);
      const double ratio = *r->median / best[r->shape];
      const bool unstable = r->unstable.value_or(false);
      row.push_back({format_time(*r->median)});
      row.push_back({r->ci_low && r->ci_high
                         ? fmt::format("[{}, {}] {}{}", format_in_unit(*r->ci_low, u), format_in_unit(*r->ci_high, u),
                                       u.name, r->imprecise() ? " WIDE" : "")
                         : "—",
                     r->imprecise() ? Tone::warn : Tone::plain});
      row.push_back({fmt::format("{:.2f}×", ratio), ratio == 1.0 ? Tone::good : Tone::plain});
      row.push_back({or_dash(r->gflops, format_sig)});
      row.push_back({r->gflops_ci_low && r->gflops_ci_high
                         ? fmt::format("[{}, {}]", format_sig(*r->gflops_ci_low), format_sig(*r->gflops_ci_high))
                         : "—"});
      row.push_back({or_dash(r->roofline_fraction, format_percent)});
      row.push_back({or_dash(r->cv, format_percent) + (unstable ? " UNSTABLE" : ""), unstable ? Tone::warn : Tone::plain});
    } else {
      for (int i = 0; i < 7; ++i) row.push_back({"—", Tone::muted});
    }
    row.push_back(validation_cell(*r));
    row.push_back(status_cell(*r));
    t.rows.push_back(std::move(row));
  }
  return t;
}

std::vector<Section> op_sections(const ReportData& d, const std::vector<Chart>& charts) {
  std::vector<Section> out;
  std::string current_op;
  for (const RowGroup& g : group_rows(d)) {
    if (g.op == "dispatch") continue;  // its own section (framework_sections.h)
    if (g.op != current_op) {  // groups are ordered by op first
      current_op = g.op;
      Section s{"op-" + g.op, "Operation: " + g.op, 2, {}};
      try {
        s.blocks.push_back(Paragraph{find_op(g.op).description() + "."});
      } catch (const std::exception&) {
        // An op this build does not know still gets its table, just without a description.
      }
      out.push_back(std::move(s));
    }
    Section s{"group-" + g.key(), g.title(), 3, {}};
    for (const Chart& c : charts)
      if (c.group_key == g.key())
        s.blocks.push_back(ChartBlock{c.title, c.svg.empty() ? "" : c.file_name, c.svg, c.caption, c.note});
    s.blocks.push_back(Paragraph{"Times are per iteration. vs best: median ÷ the fastest median at that shape. "
                                 "% roofline: GFLOP/s ÷ the roofline bound of the case (see Methodology)."});
    s.blocks.push_back(group_table(g));
    out.push_back(std::move(s));
  }
  return out;
}

// --- methodology, from what the runs recorded -----------------------------------------------

std::string timing_text(const json& t) {
  return fmt::format("warm-up of at least {} iterations and {} s, then {} samples per process, each at least {} s long "
                     "(as many iterations per sample as that takes; the time per iteration is recorded)",
                     text_of(member(t, "warmup_min_iterations")), text_of(member(t, "warmup_min_seconds")),
                     text_of(member(t, "samples")), text_of(member(t, "min_sample_seconds")));
}

Section methodology(const ReportData& d) {
  Section s{"methodology", "Methodology", 2, {}};
  std::map<std::string, int> plans;
  std::set<int64_t> threads, seeds;
  std::set<double> thresholds, tolerances;
  std::set<std::string> metrics;
  for (const RunRow& r : d.rows) {
    plans[r.timing.dump()]++;
    threads.insert(r.threads);
    seeds.insert(static_cast<int64_t>(r.seed));
    if (r.cv_threshold) thresholds.insert(*r.cv_threshold);
    if (r.tolerance) tolerances.insert(*r.tolerance);
    if (!r.validation_metric.empty()) metrics.insert(r.validation_metric);
  }
  const json& settings = member(d.suite, "settings");
  Bullets b;
  for (const auto& [plan, n] : plans)
    b.items.push_back(fmt::format("Timing{}: {}.", plans.size() > 1 ? fmt::format(" ({})", plural(n, "case")) : "",
                                  timing_text(json::parse(plan))));
  if (settings.is_object()) {
    b.items.push_back(fmt::format(
        "Each case runs in {} separate worker processes, one per round of the whole suite, beside the other backends "
        "of the same case in an order rotated each round (A B C, B C A, ...): drift on the machine falls on every "
        "backend alike, and a case's processes see the machine at different times, as a rerun would; intervals are "
        "taken between processes. While the 95 % interval is wider than ±5 % of the time, up to as many processes "
        "again are added; a result still wider is marked WIDE. A process gets {} s before it is killed and the case "
        "recorded as a timeout.",
        text_of(member(settings, "processes")), text_of(member(settings, "timeout_seconds"))));
  }
  b.items.push_back("The reported time is the geometric mean of the processes' median samples; its 95 % confidence "
                    "interval is Student's t over the processes' log medians (one process alone: a bootstrap of its "
                    "median, which says nothing about a rerun and gets no verdict). GFLOP/s and GB/s divide the case's "
                    "work by the time, so the fastest end of the time interval gives the high end of the throughput "
                    "interval.");
  if (!thresholds.empty())
    b.items.push_back(fmt::format("CV is the coefficient of variation of the samples (standard deviation ÷ mean); a case "
                                  "above {} is flagged UNSTABLE.",
                                  list_of<double>(thresholds, [](const double& x) { return format_percent(x); })));
  b.items.push_back(fmt::format(
      "Before anything is timed, each worker checks its result against a float64 reference computed by versus itself "
      "(no BLAS library involved); a result outside the tolerance is recorded as validation_failed and not timed. "
      "Error metric: {}; tolerances used: {}.",
      list_of<std::string>(metrics, str_text),
      tolerances.empty() ? kNotRecorded
                         : (tolerances.size() == 1 ? format_sci(*tolerances.begin())
                                                   : format_sci(*tolerances.begin()) + " to " + format_sci(*tolerances.rbegin()))));
  b.items.push_back("Outputs: MXNet, libtorch and the native libraries write every run into outputs allocated when the "
                    "case is prepared; TensorFlow's session API returns a newly allocated output tensor from every run "
                    "(its C API cannot run a graph into a preallocated tensor), so TensorFlow's times include that "
                    "allocation — for outputs of several MiB, fresh pages every run.");
  b.items.push_back(fmt::format("Every backend gets the same input bytes, generated by versus from seed {}.",
                                list_of<int64_t>(seeds, int_text)));
  b.items.push_back(fmt::format(
      "Every backend of a case runs with the same thread count ({}), set through the environment (see Provenance) and "
      "the framework's own API; what each framework reports it used is in Details and results.csv (threads_used).",
      list_of<int64_t>(threads, int_text)));
  b.items.push_back("% roofline = GFLOP/s ÷ min(measured peak × min(1, threads ÷ roofline threads), measured bandwidth "
                    "× arithmetic intensity), the bound the runner stored with each run. The peak and the bandwidth "
                    "are measured on this machine when the suite starts (see Provenance).");
  if (settings.is_object() && settings.value("quick", false))
    b.items.push_back("QUICK mode was on: the timing plan and process count above are the reduced ones.");
  s.blocks.push_back(std::move(b));
  return s;
}

// --- details: how to rerun each row, and what failures said ---------------------------------

// The end of a stderr tail is what explains a failure.
std::string last_lines(const std::string& text, int n) {
  size_t end = text.find_last_not_of("\n ");
  if (end == std::string::npos) return "";
  size_t begin = end + 1;
  for (int i = 0; i < n; ++i) {
    const size_t nl = begin == 0 ? std::string::npos : text.rfind('\n', begin - 1);
    if (nl == std::string::npos) return text.substr(0, end + 1);
    begin = nl;
  }
  return text.substr(begin + 1, end - begin);
}

std::string threads_used_text(const json& t) {
  if (!t.is_object() || t.empty()) return "—";
  std::vector<std::string> parts;
  for (const auto& [k, v] : t.items()) parts.push_back(k + "=" + text_of(v));
  return fmt::format("{}", fmt::join(parts, ", "));
}

Section details(const ReportData& d) {
  Section s{"details", "Details: reproducers", 2, {}};
  s.blocks.push_back(Paragraph{"Each command reruns exactly one row (same shape, backend, threads and seed)."});
  Table t{{"Run", "Status", "Threads used", "Reproducer"}, {false, false, false, false}, {}};
  for (const RunRow& r : d.rows)
    t.rows.push_back({{r.id, Tone::plain, true}, {r.status, r.status == "ok" ? Tone::good : status_cell(r).tone},
                      {threads_used_text(r.threads_used)}, {r.reproducer, Tone::plain, true}});
  s.blocks.push_back(std::move(t));
  Bullets timing{{}, Tone::warn};
  for (const RunRow& r : d.rows)
    for (const std::string& w : r.timing_warnings) timing.items.push_back(fmt::format("`{}` {}", r.id, w));
  if (!timing.items.empty()) {
    s.blocks.push_back(Paragraph{"Samples shorter than the timing plan asks for:"});
    s.blocks.push_back(std::move(timing));
  }
  for (const RunRow& r : d.rows) {
    if (r.status == "ok" || r.stderr_tail.empty()) continue;
    s.blocks.push_back(CodeBlock{fmt::format("{} ({}): last lines of the worker's stderr", r.id, r.status),
                                 last_lines(r.stderr_tail, 20)});
  }
  return s;
}

}  // namespace

Document build_document(const ReportData& data, const std::vector<Chart>& charts) {
  Document doc;
  doc.title = fmt::format("versus report: {}", data.suite.value("name", std::string("results")));
  const bool quick = member(data.suite, "settings").is_object() && data.suite["settings"].value("quick", false);
  int64_t not_run = 0;
  for (const RunRow& r : data.rows) not_run += r.status == "not run";
  doc.subtitle = fmt::format("{}{} in `{}`{}", plural(static_cast<int64_t>(data.rows.size()) - not_run, "run"),
                             not_run ? fmt::format(" ({} more planned but not run)", not_run) : "",
                             data.root.string(), quick ? " — QUICK mode" : "");

  // The answer first (who wins where, how sure), then what explains it, then what produced it.
  doc.sections.push_back(verdict_section(data));
  Bullets n = notes(data);
  if (!n.items.empty()) doc.sections.push_back(Section{"notes", "Notes", 2, {std::move(n)}});
  if (auto s = family_section(data)) doc.sections.push_back(std::move(*s));
  Section roofline{"roofline", "Against the roofline", 2, {}};
  for (const Chart& c : charts)
    if (c.group_key.rfind("roofline-", 0) == 0)
      roofline.blocks.push_back(ChartBlock{c.title, c.svg.empty() ? "" : c.file_name, c.svg, c.caption, c.note});
  if (!roofline.blocks.empty()) doc.sections.push_back(std::move(roofline));
  if (auto s = dispatch_section(data, charts)) doc.sections.push_back(std::move(*s));
  if (auto s = load_section(data)) doc.sections.push_back(std::move(*s));
  for (Section& s : op_sections(data, charts)) doc.sections.push_back(std::move(s));
  if (auto s = device_comparison_section(data)) doc.sections.push_back(std::move(*s));
  if (auto s = support_section(data)) doc.sections.push_back(std::move(*s));
  Section prov{"provenance", "Provenance", 2, {machine_facts(data), suite_facts(data)}};
  prov.blocks.push_back(Paragraph{"Frameworks (as the workers described themselves when the suite started):"});
  prov.blocks.push_back(frameworks_table(data));
  for (Block& b : environment_blocks(data)) prov.blocks.push_back(std::move(b));
  doc.sections.push_back(std::move(prov));
  doc.sections.push_back(methodology(data));
  doc.sections.push_back(details(data));
  return doc;
}

}  // namespace versus
