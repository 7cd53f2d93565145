#include "report/report_model.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <tuple>

#include <fmt/format.h>

#include "core/case_spec.h"
#include "core/errors.h"
#include "core/op_registry.h"
#include "machine/warnings.h"
#include "results/results_dir.h"
#include "core/json_number.h"

namespace versus {
namespace {

using nlohmann::json;

std::optional<double> number_at(const json& obj, const char* key) {
  if (obj.is_object() && obj.contains(key) && obj[key].is_number()) return obj[key].get<double>();
  return std::nullopt;
}

std::optional<bool> bool_at(const json& obj, const char* key) {
  if (obj.is_object() && obj.contains(key) && obj[key].is_boolean()) return obj[key].get<bool>();
  return std::nullopt;
}

std::string string_at(const json& obj, const char* key) {
  if (obj.is_object() && obj.contains(key) && obj[key].is_string()) return obj[key].get<std::string>();
  return "";
}

// Shape facts come from the op catalogue when this build knows the op; a document written by a
// newer versus with an op unknown here still gets a row, labelled by its raw parameters.
void fill_shape(RunRow& r) {
  try {
    const OpDef& op = find_op(r.op);
    r.shape = op.shape_label(r.params);
    if (r.flops == 0) r.flops = op.flops(r.params);
  } catch (const std::exception&) {
    r.shape = r.params.dump();
  }
  const json& p = r.params;
  if (p.contains("m") && p.contains("n") && p.contains("k") && p["m"].is_number() &&
      p["n"].is_number() && p["k"].is_number()) {
    r.size = std::cbrt(p["m"].get<double>() * p["n"].get<double>() * p["k"].get<double>());
    r.transpose = std::string(p.value("trans_a", false) ? "t" : "n") + (p.value("trans_b", false) ? "t" : "n");
  }
}

void fill_case(RunRow& r, const CaseSpec& c) {
  r.op = c.op;
  r.params = c.params.is_object() ? c.params : json::object();
  r.backend = c.backend;
  r.variant = c.variant;
  r.device = c.device;
  r.direction = c.direction;
  r.dtype = c.dtype;
  r.threads = c.threads;
  r.seed = c.seed;
  r.timing = c.timing;
}

void check_sample_lengths(RunRow& r, const json& processes) {
  const double min_sample = r.timing.is_object() ? r.timing.value("min_sample_seconds", 0.0) : 0.0;
  if (min_sample <= 0) return;
  for (size_t i = 0; i < processes.size(); ++i) {
    const json& p = processes[i];
    if (!p.contains("samples_seconds") || !p["samples_seconds"].is_array() || p["samples_seconds"].empty()) continue;
    const double iterations = p.value("iterations_per_sample", 1.0);
    double shortest = 1e300;
    for (const json& x : p["samples_seconds"])
      if (x.is_number()) shortest = std::min(shortest, x.get<double>() * iterations);
    // Half the minimum leaves room for a sample that simply ran faster than the calibration run.
    if (shortest < 0.5 * min_sample)
      r.timing_warnings.push_back(fmt::format(
          "process {}: a sample lasted {:.3g} s ({} iteration{} per sample), below the plan's {} s minimum",
          i + 1, shortest, iterations, iterations == 1 ? "" : "s", min_sample));
  }
}

// What the runner's NVML monitor saw, over every worker process of the run.
void read_gpu_monitor(RunRow& r, const json& processes) {
  double utilization = 0;
  int with_utilization = 0;
  for (const json& p : processes) {
    const json gpu = p.contains("process") && p["process"].is_object() ? p["process"].value("gpu", json()) : json();
    if (!gpu.is_object()) continue;
    if (auto peak = number_at(gpu.value("memory_used_mib", json::object()), "peak"))
      r.gpu_peak_memory_mib = std::max(r.gpu_peak_memory_mib.value_or(0.0), *peak);
    if (auto power = number_at(gpu.value("power_w", json::object()), "max"))
      r.gpu_power_max_w = std::max(r.gpu_power_max_w.value_or(0.0), *power);
    if (auto util = number_at(gpu.value("utilization_pct", json::object()), "mean")) utilization += *util, ++with_utilization;
  }
  if (with_utilization > 0) r.gpu_utilization_pct = utilization / with_utilization;
}

}  // namespace

ProcessSamples process_samples_of(const json& doc) {
  ProcessSamples out;
  if (doc.contains("processes") && doc["processes"].is_array())
    for (const json& p : doc["processes"]) {
      if (!p.is_object() || p.value("status", "") != "ok" || !p.contains("samples_seconds") ||
          !p["samples_seconds"].is_array())
        continue;
      std::vector<double> xs;
      for (const json& x : p["samples_seconds"])
        if (x.is_number()) xs.push_back(x.get<double>());
      if (!xs.empty()) out.push_back(std::move(xs));
    }
  if (out.empty() && doc.contains("samples_seconds") && doc["samples_seconds"].is_array()) {
    std::vector<double> xs;
    for (const json& x : doc["samples_seconds"])
      if (x.is_number()) xs.push_back(x.get<double>());
    if (!xs.empty()) out.push_back(std::move(xs));
  }
  return out;
}

namespace {

RunRow row_from_document(const json& doc) {
  RunRow r;
  r.id = string_at(doc, "id");
  if (doc.contains("case")) {
    try {
      fill_case(r, doc["case"].get<CaseSpec>());
    } catch (const json::exception& e) {
      throw UserError(fmt::format("run {} has a malformed \"case\" ({}); delete its file and resume the suite",
                                  r.id, e.what()));
    }
  }
  r.status = doc.value("status", std::string("unknown"));
  r.reason = string_at(doc, "reason");
  r.reproducer = string_at(doc, "reproducer");
  r.created = string_at(doc, "created");
  r.quick = doc.value("quick", false);
  if (doc.contains("processes") && doc["processes"].is_array()) {
    r.processes = static_cast<int>(doc["processes"].size());
    // The last process is the one that failed, when one did.
    if (!doc["processes"].empty()) r.stderr_tail = string_at(doc["processes"].back(), "stderr_tail");
  }
  if (doc.contains("processes") && doc["processes"].is_array()) {
    check_sample_lengths(r, doc["processes"]);
    read_gpu_monitor(r, doc["processes"]);
  }
  if (doc.contains("samples_seconds") && doc["samples_seconds"].is_array()) {
    r.samples = static_cast<int64_t>(doc["samples_seconds"].size());
    for (const json& x : doc["samples_seconds"])
      if (x.is_number()) r.samples_seconds.push_back(x.get<double>());
  }
  r.samples_by_process = process_samples_of(doc);
  if (doc.contains("summary")) {
    const json& s = doc["summary"];
    r.median = number_at(s, "median"), r.mean = number_at(s, "mean"), r.stddev = number_at(s, "stddev");
    r.min = number_at(s, "min"), r.max = number_at(s, "max");
    r.ci_low = number_at(s, "ci_low"), r.ci_high = number_at(s, "ci_high"), r.cv = number_at(s, "cv");
    r.cv_threshold = number_at(s, "unstable_cv_threshold");
    r.unstable = bool_at(s, "unstable");
    r.ci_half_width = number_at(s, "ci_half_width"), r.ci_half_width_target = number_at(s, "ci_half_width_target");
    r.extra_processes = whole_or(s, "extra_processes", r.extra_processes);
    r.samples = whole_or(s, "count", r.samples);
  }
  if (doc.contains("gflops")) {
    r.gflops = number_at(doc["gflops"], "median");
    r.gflops_ci_low = number_at(doc["gflops"], "ci_low");
    r.gflops_ci_high = number_at(doc["gflops"], "ci_high");
  }
  if (doc.contains("gbps")) r.gbps = number_at(doc["gbps"], "median");
  r.roofline_bound = number_at(doc, "roofline_bound_gflops");
  r.roofline_fraction = number_at(doc, "roofline_fraction");
  if (doc.contains("validation")) {
    const json& v = doc["validation"];
    r.max_rel_error = number_at(v, "max_rel_error");
    r.max_abs_error = number_at(v, "max_abs_error");
    r.tolerance = number_at(v, "tolerance");
    r.validation_passed = bool_at(v, "passed");
    r.validation_metric = string_at(v, "metric");
  }
  std::vector<double> rss, first_run_memory;
  if (doc.contains("processes") && doc["processes"].is_array())
    for (const json& p : doc["processes"]) {
      if (!p.is_object()) continue;
      if (p.contains("process") && p["process"].is_object())
        if (auto v = number_at(p["process"], "max_rss_mib")) rss.push_back(*v);
      if (auto v = number_at(p, "first_run_memory_mib")) first_run_memory.push_back(*v);
      if (string_at(p, "tier") == "python") r.tier = "python";
    }
  const auto median_of = [](std::vector<double>& v) -> std::optional<double> {
    if (v.empty()) return std::nullopt;
    std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2), v.end());
    return v[v.size() / 2];
  };
  r.max_rss_mib = median_of(rss);
  r.first_run_memory_mib = median_of(first_run_memory);
  if (doc.contains("mode_report") && doc["mode_report"].is_object()) r.api = string_at(doc["mode_report"], "api");
  r.framework = doc.value("framework", json::object());
  r.threads_used = doc.value("threads_used", json::object());
  r.environment = doc.value("environment", json::object());
  if (doc.contains("work")) r.flops = number_at(doc["work"], "flops").value_or(0);
  fill_shape(r);
  return r;
}

// What must be equal for numbers to be comparable: the machine, versus itself and the framework
// build. Load average and free memory change between a suite's start and its resumption.
std::string context_difference(const json& doc, const RunRow& row, const json& context) {
  if (!doc.contains("context") || !doc["context"].is_object()) return "";
  const json& c = doc["context"];
  const auto at = [](const json& j, const json::json_pointer& p) { return j.contains(p) ? j[p] : json(); };
  for (const char* path : {"/machine/hostname", "/machine/cpu/model", "/versus"}) {
    const json::json_pointer p(path);
    if (at(c, p) != at(context, p)) return fmt::format("{} differs", path + 1);
  }
  const json::json_pointer fw("/frameworks/" + row.backend + "/version");
  if (row.framework.contains("version") && context.contains(fw) && row.framework["version"] != context[fw])
    return fmt::format("{} version {} (context.json says {})", row.backend, row.framework["version"].dump(),
                       context[fw].dump());
  return "";
}

// A case's identity for matching the plan against the results: its canonical JSON, not its id,
// because the id format may change between the versus that ran the suite and the one reporting.
std::string case_key(const json& j) { return json(j.get<CaseSpec>()).dump(); }

// Planned cases without a result file (an interrupted suite) become rows too, so the report
// never silently shows fewer cases than were asked for.
void add_cases_not_run(ReportData& data, const std::set<std::string>& done) {
  if (!data.suite.contains("cases") || !data.suite["cases"].is_array()) return;
  for (const json& j : data.suite["cases"]) {
    RunRow r;
    try {
      if (done.count(case_key(j))) continue;
      const CaseSpec c = j.get<CaseSpec>();
      r.id = c.id();
      fill_case(r, c);
      r.reproducer = c.reproducer();
    } catch (const std::exception&) {
      continue;  // an op this build does not know: it cannot have been run by it either
    }
    r.status = "not run";
    r.reason = fmt::format("no result file (suite interrupted?); finish it with `versus run --resume {}`",
                           data.root.string());
    r.quick = data.suite.contains("settings") && data.suite["settings"].value("quick", false);
    fill_shape(r);
    data.rows.push_back(std::move(r));
  }
}

}  // namespace

ReportData load_report_data(const std::filesystem::path& results_dir) {
  const ResultsDir dir = ResultsDir::open_existing(results_dir);
  std::vector<std::string> unreadable;
  const std::vector<json> docs = dir.read_runs(kResultSchema, &unreadable);
  for (const auto& u : unreadable) std::fprintf(stderr, "versus: left out of the report: %s\n", u.c_str());
  if (docs.empty())
    throw UserError(fmt::format("{} holds no results yet; run `versus run --resume {}` first",
                                results_dir.string(), results_dir.string()));
  ReportData data;
  data.root = results_dir;
  data.unreadable_files = unreadable;
  data.suite = read_json_file(results_dir / "suite.json");
  data.context = dir.read_context();
  if (data.context.empty() && docs.front().contains("context")) data.context = docs.front()["context"];
  if (data.context.contains("warnings") && data.context["warnings"].is_array()) {
    for (const json& w : data.context["warnings"])
      if (w.is_string()) data.environment_warnings.push_back(w.get<std::string>());
  } else if (data.context.contains("machine")) {
    // Folders from before the runner stored its warnings: judge the recorded machine the same way.
    int max_threads = 1;
    for (const json& doc : docs)
      if (doc.contains("case") && doc["case"].is_object() && doc["case"].contains("threads") &&
          doc["case"]["threads"].is_number_integer())
        // Unsigned when read from a file; past int64 it counts as the most a suite allows.
        max_threads = std::max(max_threads, static_cast<int>(std::clamp<int64_t>(
                                                whole_number_problem<int64_t>(doc["case"]["threads"]).empty()
                                                    ? doc["case"]["threads"].get<int64_t>() : 1024,
                                                1, 1024)));
    data.environment_warnings = environment_warnings(data.context["machine"], max_threads);
  }

  std::set<std::string> done;
  for (const json& doc : docs) {
    RunRow r;
    try {
      r = row_from_document(doc);
      const std::string diff = context_difference(doc, r, data.context);
      if (!diff.empty()) data.context_mismatches.push_back(fmt::format("{}: {}", r.id, diff));
    } catch (const json::exception& e) {
      // A run whose fields have unexpected types ("status": 1) is left out and named, like an
      // unreadable file, and the report goes on (found by fuzz/results_fuzzer).
      const std::string why = fmt::format("run {} has a field of an unexpected type ({})", string_at(doc, "id"), e.what());
      std::fprintf(stderr, "versus: left out of the report: %s\n", why.c_str());
      data.unreadable_files.push_back(why);
      continue;
    }
    try {
      if (doc.contains("case")) done.insert(case_key(doc["case"]));
    } catch (const std::exception&) {
      // A case this build cannot parse was already reported by row_from_document.
    }
    data.rows.push_back(std::move(r));
  }
  add_cases_not_run(data, done);
  std::stable_sort(data.rows.begin(), data.rows.end(), [](const RunRow& a, const RunRow& b) {
    return std::tie(a.op, a.direction, a.device, a.dtype, a.threads, a.flops, a.shape, a.backend, a.variant) <
           std::tie(b.op, b.direction, b.device, b.dtype, b.threads, b.flops, b.shape, b.backend, b.variant);
  });
  return data;
}

std::vector<RowGroup> group_rows(const ReportData& data) {
  std::vector<RowGroup> groups;
  for (const RunRow& r : data.rows) {  // rows are sorted by the group key first
    if (groups.empty() || groups.back().op != r.op || groups.back().direction != r.direction ||
        groups.back().device != r.device || groups.back().dtype != r.dtype || groups.back().threads != r.threads)
      groups.push_back({r.op, r.direction, r.device, r.dtype, r.threads, {}});
    groups.back().rows.push_back(&r);
  }
  return groups;
}

std::string RowGroup::key() const {
  return fmt::format("{}{}-{}-{}-t{}", op, backward() ? "-backward" : "", device, dtype, threads);
}

std::string RowGroup::title() const {
  return fmt::format("{}{} · {} · {} · {} thread{}", op, backward() ? " backward" : "", device, dtype, threads,
                     threads == 1 ? "" : "s");
}

double peak_gflops_for(const nlohmann::json& context, int threads) {
  if (!context.contains("roofline") || !context["roofline"].is_object()) return 0;
  const json& roof = context["roofline"];
  const double peak = roof.value("peak_gflops", 0.0);
  const int roof_threads = std::max(1, whole_or(roof, "threads", 1));
  // Same rule as the runner's roofline_fraction (execute.cc): more threads than the roofline was
  // measured with cannot raise the peak, it only oversubscribes the same cores.
  return peak * std::min(1.0, static_cast<double>(threads) / roof_threads);
}

}  // namespace versus
