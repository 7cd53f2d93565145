#include "report/csv_writer.h"

#include <fmt/format.h>

namespace versus {
namespace {

using nlohmann::json;

// Full precision (shortest round-trip form), so the CSV loses nothing the JSON had.
std::string num(const std::optional<double>& v) { return v ? fmt::format("{}", *v) : ""; }
std::string flag(const std::optional<bool>& v) { return v ? (*v ? "true" : "false") : ""; }

std::string param(const json& params, const char* key) {
  if (!params.is_object() || !params.contains(key)) return "";
  const json& v = params[key];
  return v.is_string() ? v.get<std::string>() : v.dump();
}

// Objects go in as compact JSON: one cell, still machine-readable.
std::string compact(const json& j) { return j.is_null() || j.empty() ? "" : j.dump(); }

std::vector<std::string> csv_row(const RunRow& r) {
  return {r.id, r.op, r.shape, param(r.params, "m"), param(r.params, "n"), param(r.params, "k"),
          param(r.params, "trans_a"), param(r.params, "trans_b"), compact(r.params), r.backend, r.variant,
          std::to_string(r.threads), compact(r.threads_used), r.direction, r.device, r.dtype, std::to_string(r.seed), r.status,
          r.reason, num(r.median), num(r.mean), num(r.stddev), num(r.min), num(r.max), num(r.ci_low), num(r.ci_high),
          num(r.cv), flag(r.unstable), num(r.cv_threshold), num(r.gflops), num(r.gflops_ci_low), num(r.gflops_ci_high),
          num(r.gbps), num(r.roofline_bound), num(r.roofline_fraction), num(r.max_rel_error), num(r.max_abs_error),
          num(r.tolerance), flag(r.validation_passed), std::to_string(r.samples), std::to_string(r.processes),
          r.quick ? "true" : "false", r.framework.is_object() ? r.framework.value("version", std::string()) : "",
          r.created, r.reproducer};
}

}  // namespace

const std::vector<std::string>& csv_columns() {
  static const std::vector<std::string> columns = {
      "id", "op", "shape", "m", "n", "k", "trans_a", "trans_b", "params", "backend", "variant", "threads",
      "threads_used", "direction", "device", "dtype", "seed", "status", "reason", "median_s", "mean_s", "stddev_s", "min_s",
      "max_s", "ci_low_s", "ci_high_s", "cv", "unstable", "unstable_cv_threshold", "gflops_median", "gflops_ci_low",
      "gflops_ci_high", "gbps_median", "roofline_bound_gflops", "roofline_fraction", "max_rel_error", "max_abs_error",
      "tolerance", "validation_passed", "samples", "processes", "quick", "framework_version", "created", "reproducer"};
  return columns;
}

std::string csv_field(std::string_view v) {
  if (v.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(v);
  std::string out = "\"";
  for (char c : v) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string render_csv(const ReportData& data) {
  // RFC 4180 ends records with CRLF; every common reader accepts it.
  const auto line = [](const std::vector<std::string>& fields) {
    std::string out;
    for (size_t i = 0; i < fields.size(); ++i) {
      if (i) out += ',';
      out += csv_field(fields[i]);
    }
    return out + "\r\n";
  };
  std::string out = line(csv_columns());
  for (const RunRow& r : data.rows) out += line(csv_row(r));
  return out;
}

}  // namespace versus
