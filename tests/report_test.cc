// The report: built from hand-written result documents alone, every run (failures included)
// reaches the CSV, Markdown and HTML; the HTML stands alone; bad folders give a clear error.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

#include <nlohmann/json.hpp>

#include "core/case_spec.h"
#include "core/errors.h"
#include "report/csv_writer.h"
#include "report/device_comparison.h"
#include "report/report.h"
#include "test_util.h"

namespace versus {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

constexpr const char* kCpuModel = "Test CPU Model 9000";
constexpr const char* kCrashReason = "worker killed by signal 11 (Segmentation fault); last stderr line: \"boom, again\"";
constexpr const char* kUnsupportedReason = "backend tensorflow has no variant 'xla-gpu'";

json context() {
  return {{"machine",
           {{"hostname", "testhost"},
            {"os", "Linux 6.1"},
            {"distribution", "Debian 12"},
            {"cpu", {{"model", kCpuModel}, {"physical_cores", 2}, {"logical_cores", 4}, {"mhz", 3000.0},
                     {"governor", "performance"}, {"isa", {"avx2", "fma"}}}},
            {"memory_gib", 16.0},
            {"memory_available_gib", 12.0},
            {"load_average", {0.1, 0.2, 0.3}},
            {"gpus", json::array()}}},
          {"frameworks",
           {{"native", {{"version", "OpenBLAS 0.3.21"}, {"variants", {"openblas"}}, {"build", {{"openmp", true}}}}},
            {"torch", {{"version", "1.13.0"}, {"variants", {"eager"}}, {"build", {{"blas", "generic"}}}}}}},
          {"roofline", {{"peak_gflops", 200.0}, {"bandwidth_gbs", 20.0}, {"threads", 2}, {"isa", "avx2+fma"},
                        {"method", "FMA chains; STREAM triad"}}},
          {"versus", {{"version", "0.1.0"}, {"git_revision", "abcdef123456"}}}};
}

json timing() {
  return {{"warmup_min_iterations", 3}, {"warmup_min_seconds", 0.2}, {"samples", 4}, {"min_sample_seconds", 0.01}};
}

json case_json(const std::string& backend, const std::string& variant, int size) {
  return {{"op", "gemm"}, {"params", {{"m", size}, {"n", size}, {"k", size}}}, {"dtype", "float32"},
          {"device", "cpu"}, {"backend", backend}, {"variant", variant}, {"threads", 2}, {"seed", 42},
          {"timing", timing()}};
}

// The id the runner would give the case (its format is CaseSpec's business, not this test's).
std::string id_of(const std::string& backend, const std::string& variant, int size) {
  return case_json(backend, variant, size).get<CaseSpec>().id();
}

json base_doc(const std::string& backend, const std::string& variant, int size) {
  return {{"schema", "versus.result/1"},
          {"id", id_of(backend, variant, size)},
          {"case", case_json(backend, variant, size)},
          {"reproducer", "versus run ops --op gemm --m " + std::to_string(size) + " --backends " + backend + ":" + variant},
          {"quick", false},
          {"created", "2026-01-01T00:00:00Z"},
          {"environment", {{"OMP_NUM_THREADS", "2"}}},
          {"context", context()}};
}

// An ok run shaped like execute_case's output, with a median that is easy to check.
json ok_doc(const std::string& backend, const std::string& variant, int size, double median) {
  json d = base_doc(backend, variant, size);
  const double flops = 2.0 * size * size * size, bytes = 12.0 * size * size;
  d["status"] = "ok";
  // Three processes, the second and third a little off the first (as processes are).
  d["samples_seconds"] = json::array();
  d["processes"] = json::array();
  for (const double shift : {1.0, 1.004, 0.997}) {
    const json own = {median * shift * 0.99, median * shift, median * shift, median * shift * 1.01};
    for (const auto& x : own) d["samples_seconds"].push_back(x);
    d["processes"].push_back({{"status", "ok"}, {"iterations_per_sample", 1000}, {"samples_seconds", own}});
  }
  d["summary"] = {{"unit", "seconds"}, {"count", 12}, {"median", median}, {"mean", median}, {"stddev", median * 0.01},
                  {"min", median * 0.99}, {"max", median * 1.01}, {"ci_low", median * 0.99}, {"ci_high", median * 1.01},
                  {"cv", 0.01}, {"unstable", false}, {"unstable_cv_threshold", 0.1}, {"processes", 3}};
  d["gflops"] = {{"median", flops / median * 1e-9}, {"ci_low", flops / (median * 1.01) * 1e-9},
                 {"ci_high", flops / (median * 0.99) * 1e-9}};
  d["gbps"] = {{"median", bytes / median * 1e-9}, {"ci_low", 0}, {"ci_high", 0}};
  d["roofline_bound_gflops"] = 200.0;
  d["roofline_fraction"] = flops / median * 1e-9 / 200.0;
  d["validation"] = {{"passed", true}, {"max_rel_error", 1e-7}, {"max_abs_error", 1e-6}, {"tolerance", 1e-5},
                     {"metric", "normalised"}, {"detail", ""}};
  d["work"] = {{"flops", flops}, {"bytes", bytes}, {"arithmetic_intensity", flops / bytes}};
  d["threads_used"] = {{"intra_op", 2}};
  return d;
}

json failed_doc(const std::string& backend, const std::string& variant, int size, const std::string& status,
                const std::string& reason) {
  json d = base_doc(backend, variant, size);
  d["status"] = status;
  d["reason"] = reason;
  d["processes"] = {{{"status", status}, {"reason", reason}, {"stderr_tail", "some log\nSegmentation fault\n"}}};
  d["samples_seconds"] = json::array();
  return d;
}

void write(const fs::path& p, const json& j) { std::ofstream(p) << j.dump(1) << "\n"; }

// A results folder: 2 backends × 2 sizes that worked, one crash and one unsupported case.
fs::path make_results(const fs::path& root, bool with_unrun_case = false) {
  fs::create_directories(root / "runs");
  std::vector<json> docs = {ok_doc("native", "openblas", 64, 2.5e-5), ok_doc("native", "openblas", 256, 1.25e-3),
                            ok_doc("torch", "eager", 64, 3.0e-5), ok_doc("torch", "eager", 256, 1.5e-3),
                            failed_doc("mxnet", "default", 256, "crashed", kCrashReason),
                            failed_doc("tensorflow", "xla-gpu", 64, "unsupported", kUnsupportedReason)};
  json cases = json::array();
  for (const json& d : docs) {
    cases.push_back(d["case"]);
    write(root / "runs" / (d["id"].get<std::string>() + ".json"), d);
  }
  if (with_unrun_case) cases.push_back(case_json("torch", "eager", 1024));
  write(root / "suite.json", {{"schema", "versus.suite/1"}, {"name", "unit"}, {"description", "hand-written"},
                              {"settings", {{"processes", 3}, {"quick", false}, {"timeout_seconds", 60.0}}},
                              {"notes", {"native:openblas has no conv2d: not planned"}},
                              {"cases", cases}});
  write(root / "context.json", context());
  return root;
}

std::string slurp(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// An RFC 4180 reader, independent of the writer: quoted fields, doubled quotes, CRLF records.
std::vector<std::vector<std::string>> parse_csv(const std::string& text) {
  std::vector<std::vector<std::string>> rows(1, std::vector<std::string>(1));
  bool quoted = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') rows.back().back() += '"', ++i;
      else if (c == '"') quoted = false;
      else rows.back().back() += c;
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      rows.back().emplace_back();
    } else if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
      rows.emplace_back(1), ++i;
    } else {
      rows.back().back() += c;
    }
  }
  if (rows.back().size() == 1 && rows.back()[0].empty()) rows.pop_back();
  return rows;
}

std::map<std::string, std::string> row_by_id(const std::vector<std::vector<std::string>>& csv, const std::string& id) {
  std::map<std::string, std::string> out;
  for (size_t r = 1; r < csv.size(); ++r)
    if (csv[r][0] == id)
      for (size_t c = 0; c < csv[0].size() && c < csv[r].size(); ++c) out[csv[0][c]] = csv[r][c];
  return out;
}

bool gnuplot_on_path() {
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "");
  for (std::string d; std::getline(dirs, d, ':');)
    if (!d.empty() && ::access((fs::path(d) / "gnuplot").c_str(), X_OK) == 0) return true;
  return false;
}

// Sets an environment variable for one test and restores it afterwards.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old, had_ = true;
    ::setenv(name, value, 1);
  }
  ~ScopedEnv() { had_ ? ::setenv(name_, old_.c_str(), 1) : ::unsetenv(name_); }

 private:
  const char* name_;
  std::string old_;
  bool had_ = false;
};

// A run on the GPU: the same case with device cuda, and what the runner's NVML monitor saw in
// each worker process (machine/nvml.cc's format).
json on_gpu(json d, double peak_mib, double mean_util, double max_power) {
  d["case"]["device"] = "cuda";
  d["id"] = d["case"].get<CaseSpec>().id();
  for (json& p : d["processes"])
    p["process"] = {{"gpu", {{"samples", 20}, {"interval_ms", 50}, {"utilization_pct", {{"mean", mean_util}, {"max", 100.0}}},
                             {"memory_used_mib", {{"peak", peak_mib}}}, {"power_w", {{"mean", 200.0}, {"max", max_power}}},
                             {"sm_clock_mhz", nullptr}}}};
  return d;
}

TEST(Report, CpuAndGpuRunsOfACaseStandSideBySideWithTheGpuMonitor) {
  testing::TempDir tmp;
  const fs::path root = tmp.path() / "res";
  fs::create_directories(root / "runs");
  const std::vector<json> docs = {ok_doc("torch", "eager", 256, 1.5e-3), on_gpu(ok_doc("torch", "eager", 256, 3.0e-5), 1234, 87, 301),
                                  on_gpu(failed_doc("mxnet", "default", 256, "unsupported", "no GPU in this build"), 0, 0, 0)};
  json cases = json::array();
  for (const json& d : docs) {
    cases.push_back(d["case"]);
    write(root / "runs" / (d["id"].get<std::string>() + ".json"), d);
  }
  write(root / "suite.json", {{"schema", "versus.suite/1"}, {"name", "gpu"}, {"description", "hand-written"},
                              {"settings", {{"processes", 1}, {"quick", true}, {"timeout_seconds", 60.0}}}, {"cases", cases}});
  write(root / "context.json", context());
  const ReportFiles f = write_report(root, tmp.path() / "out");
  const std::string md = slurp(f.markdown);
  ASSERT_NE(md.find("## CPU and GPU side by side"), std::string::npos) << md;
  // torch: 1.50 ms on the CPU, 30.0 µs on the GPU: 50×; the monitor's peak memory, mean busy, peak power.
  EXPECT_NE(md.find("| gemm m256-n256-k256-nn | torch | 1.50 ms (2 threads) | 30.0 µs | 50.0× |"), std::string::npos) << md;
  EXPECT_NE(md.find("| 1234 MiB | 87 % | 301 W |"), std::string::npos) << md;
  EXPECT_NE(md.find("| mxnet | – | **unsupported** |"), std::string::npos) << md;  // no CPU run; the GPU one refused
  // A CPU-only folder has no such section.
  EXPECT_EQ(slurp(write_report(make_results(tmp.path() / "cpu"), tmp.path() / "out2").markdown).find("CPU and GPU"),
            std::string::npos);
}

TEST(Report, TrainingRunsOnTheGpuListWhatNvmlSaw) {
  const std::vector<json> runs = {
      {{"id", "torch"}, {"process", {{"max_rss_mib", 900.0}}}},  // a CPU run: not listed
      {{"id", "torch-cuda"},
       {"process", {{"gpu", {{"utilization_pct", {{"mean", 64.4}, {"max", 100.0}}}, {"memory_used_mib", {{"peak", 2048.0}}},
                             {"power_w", {{"mean", 150.0}, {"max", 250.4}}}, {"sm_clock_mhz", nullptr}}}}}}};
  const auto t = training_gpu_table(runs);
  ASSERT_TRUE(t.has_value());
  ASSERT_EQ(t->rows.size(), 1u);
  std::vector<std::string> cells;
  for (const auto& c : t->rows[0]) cells.push_back(c.text);
  EXPECT_EQ(cells, (std::vector<std::string>{"torch-cuda", "2048 MiB", "64 %", "250 W", "–"}));
  EXPECT_FALSE(training_gpu_table({runs[0]}).has_value());
}

TEST(Report, CsvHasOneRowPerRunWithExactNumbersAndQuotedFailureReasons) {
  testing::TempDir tmp;
  const ReportFiles f = write_report(make_results(tmp.path() / "res"), tmp.path() / "out");
  const auto csv = parse_csv(slurp(f.csv));
  ASSERT_EQ(csv.size(), 7u);  // header + 6 runs
  EXPECT_EQ(csv[0], csv_columns());
  for (size_t r = 1; r < csv.size(); ++r) EXPECT_EQ(csv[r].size(), csv[0].size()) << "row " << r;

  const auto ok = row_by_id(csv, id_of("torch", "eager", 256));
  ASSERT_FALSE(ok.empty());
  EXPECT_EQ(ok.at("status"), "ok");
  EXPECT_DOUBLE_EQ(std::stod(ok.at("median_s")), 1.5e-3);
  EXPECT_EQ(ok.at("m"), "256");
  EXPECT_EQ(ok.at("backend"), "torch");
  EXPECT_EQ(ok.at("samples"), "12");
  EXPECT_EQ(ok.at("processes"), "3");

  const auto crash = row_by_id(csv, id_of("mxnet", "default", 256));
  ASSERT_FALSE(crash.empty());
  EXPECT_EQ(crash.at("status"), "crashed");
  EXPECT_EQ(crash.at("reason"), kCrashReason);  // its comma and quotes survived the round trip
  EXPECT_EQ(crash.at("median_s"), "");

  const auto unsupported = row_by_id(csv, id_of("tensorflow", "xla-gpu", 64));
  EXPECT_EQ(unsupported.at("status"), "unsupported");
  EXPECT_EQ(unsupported.at("reason"), kUnsupportedReason);
}

TEST(Report, MarkdownShowsProvenanceFailuresAndReproducers) {
  testing::TempDir tmp;
  const ReportFiles f = write_report(make_results(tmp.path() / "res"), tmp.path() / "out");
  const std::string md = slurp(f.markdown);
  EXPECT_NE(md.find(kCpuModel), std::string::npos);
  EXPECT_NE(md.find("abcdef123456"), std::string::npos) << "git revision";
  EXPECT_NE(md.find("1.13.0"), std::string::npos) << "framework version";
  EXPECT_NE(md.find("Segmentation fault"), std::string::npos);
  EXPECT_NE(md.find(kUnsupportedReason), std::string::npos);
  EXPECT_NE(md.find("versus run ops --op gemm --m 256 --backends torch:eager"), std::string::npos);
  EXPECT_NE(md.find("3 separate worker processes"), std::string::npos) << "methodology from suite.json";
  EXPECT_NE(md.find("Left out of the plan (the worker declares the variant lacks the op): native:openblas has no conv2d: not planned."),
            std::string::npos) << "the plan's notes";
}

// A truncated run file (a disk that filled mid-write before atomic writes, a hand edit) is named
// in the report's notes and on stderr; every other run is still reported.
TEST(Report, AGarbledRunFileIsNamedAndTheRestReported) {
  testing::TempDir tmp;
  const fs::path res = make_results(tmp.path() / "res");
  std::ofstream(res / "runs" / "zz-broken.json") << "{\"schema\": \"versus.res";
  const ReportFiles f = write_report(res, tmp.path() / "out");
  const std::string md = slurp(f.markdown);
  EXPECT_NE(md.find("Left out, unreadable: "), std::string::npos) << md.substr(0, 2000);
  EXPECT_NE(md.find("zz-broken.json is not valid JSON"), std::string::npos);
  EXPECT_NE(md.find("versus run ops --op gemm --m 256 --backends torch:eager"), std::string::npos) << "the other runs";
}

TEST(Report, HtmlIsSelfContainedAndCarriesTheChart) {
  testing::TempDir tmp;
  const ReportFiles f = write_report(make_results(tmp.path() / "res"), tmp.path() / "out");
  std::string html = slurp(f.html);
  EXPECT_NE(html.find(kCpuModel), std::string::npos);
  EXPECT_NE(html.find("has no variant"), std::string::npos);
  // Only XML namespace names may look like addresses; nothing is fetched from anywhere.
  for (const std::string ns : {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"})
    for (size_t p; (p = html.find(ns)) != std::string::npos;) html.erase(p, ns.size());
  EXPECT_EQ(html.find("http://"), std::string::npos);
  EXPECT_EQ(html.find("https://"), std::string::npos);
  EXPECT_EQ(html.find("<link"), std::string::npos);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  if (!gnuplot_on_path()) VERSUS_SKIP_UNLESS_REQUIRED("gnuplot is not installed: no chart to check");
  EXPECT_NE(html.find("<svg"), std::string::npos);
  EXPECT_TRUE(fs::exists(tmp.path() / "out" / "chart-gemm-cpu-float32-t2.svg"));
  EXPECT_NE(slurp(f.markdown).find("chart-gemm-cpu-float32-t2.svg"), std::string::npos);
}

TEST(Report, WithoutGnuplotTheReportSaysHowToGetCharts) {
  testing::TempDir tmp;
  const ScopedEnv no_gnuplot("VERSUS_GNUPLOT", "/nonexistent/gnuplot");
  const ReportFiles f = write_report(make_results(tmp.path() / "res"), tmp.path() / "out");
  const std::string html = slurp(f.html);
  EXPECT_EQ(html.find("<svg"), std::string::npos);
  EXPECT_NE(html.find("install gnuplot-nox"), std::string::npos);
  EXPECT_NE(slurp(f.markdown).find("install gnuplot-nox"), std::string::npos);
}

TEST(Report, PlannedCaseWithoutResultIsListedAsNotRun) {
  testing::TempDir tmp;
  const ReportFiles f = write_report(make_results(tmp.path() / "res", true), tmp.path() / "out");
  const auto csv = parse_csv(slurp(f.csv));
  ASSERT_EQ(csv.size(), 8u);
  EXPECT_EQ(row_by_id(csv, id_of("torch", "eager", 1024)).at("status"), "not run");
  EXPECT_NE(slurp(f.markdown).find("--resume"), std::string::npos);
}

TEST(Report, LeavesNoTemporaryFilesBehind) {
  testing::TempDir tmp;
  write_report(make_results(tmp.path() / "res"), tmp.path() / "out");
  for (const auto& p : testing::files_under(tmp.path() / "out"))
    EXPECT_EQ(p.filename().string().find(".tmp"), std::string::npos) << p;
}

TEST(Report, MissingFolderIsAUserErrorNamingIt) {
  testing::TempDir tmp;
  const fs::path missing = tmp.path() / "no-such-results";
  try {
    write_report(missing, tmp.path() / "out");
    FAIL() << "expected UserError";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find(missing.string()), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(tmp.path() / "out" / "report.html"));
}

TEST(Report, FolderWithoutRunsIsAUserError) {
  testing::TempDir tmp;
  const fs::path root = tmp.path() / "res";
  fs::create_directories(root / "runs");
  write(root / "suite.json", {{"name", "empty"}, {"cases", json::array()}});
  EXPECT_THROW(write_report(root, tmp.path() / "out"), UserError);
}

TEST(CsvField, QuotesOnlyWhatNeedsIt) {
  EXPECT_EQ(csv_field("plain"), "plain");
  EXPECT_EQ(csv_field("a,b"), "\"a,b\"");
  EXPECT_EQ(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(csv_field("two\nlines"), "\"two\nlines\"");
}

}  // namespace
}  // namespace versus

namespace versus {
namespace {

TEST(Report, WhoWinsWhereGivesTheRatioIntervalAndVerdict) {
  versus::testing::TempDir tmp;
  const fs::path root = make_results(tmp.path() / "results");
  write_report(root, tmp.path() / "out");
  const std::string md = slurp(tmp.path() / "out" / "report.md");
  // torch's samples are 1.2× openblas's and do not overlap: significant and outside the margin.
  EXPECT_NE(md.find("native:openblas is 1.20× ("), std::string::npos) << md;
  EXPECT_NE(md.find("| torch:eager | 1.20 |"), std::string::npos) << md;
  EXPECT_NE(md.find("**SLOWER**"), std::string::npos);
  // The answer comes first: the verdicts are the report's first section, provenance further down.
  EXPECT_EQ(md.find("\n## "), md.find("\n## Who wins where")) << md.substr(0, 400);
  EXPECT_LT(md.find("## Who wins where"), md.find("## Provenance"));
  // Failed runs take no part in the verdicts.
  const auto verdicts = md.substr(md.find("## Who wins where"), md.find("## Operation") - md.find("## Who wins where"));
  EXPECT_EQ(verdicts.find("mxnet"), std::string::npos);
}

}  // namespace
}  // namespace versus

namespace versus {
namespace {

TEST(Report, RooflineChartPlacesEveryCpuRunUnderTheRoof) {
  if (!gnuplot_on_path()) VERSUS_SKIP_UNLESS_REQUIRED("gnuplot not installed");
  versus::testing::TempDir tmp;
  write_report(make_results(tmp.path() / "results"), tmp.path() / "out");
  const std::string md = slurp(tmp.path() / "out" / "report.md");
  EXPECT_NE(md.find("## Against the roofline"), std::string::npos);
  const std::string svg = slurp(tmp.path() / "out" / "chart-roofline-cpu-t2.svg");
  EXPECT_NE(svg.find("<svg"), std::string::npos);
  EXPECT_NE(svg.find("torch:eager"), std::string::npos);
  EXPECT_NE(svg.find("native:openblas"), std::string::npos);
}

}  // namespace
}  // namespace versus

namespace versus {
namespace {

TEST(Report, AdviceNamesAFrameworkOnlyWhenTheDataSinglesItOut) {
  versus::testing::TempDir tmp;
  const fs::path root = make_results(tmp.path() / "results");
  const json slower = ok_doc("mxnet", "imperative", 64, 6.0e-5);  // torch: 3.0e-5 at this size
  write(root / "runs" / (slower["id"].get<std::string>() + ".json"), slower);
  write_report(root, tmp.path() / "out");
  const std::string md = slurp(tmp.path() / "out" / "report.md");
  EXPECT_NE(md.find("matrix products on cpu: pick torch — fastest in all 1 case measured, 2.00–2.00×"),
            std::string::npos) << md;
  EXPECT_NE(md.find("torch is 2.00× ("), std::string::npos);
}

}  // namespace
}  // namespace versus

namespace versus {
namespace {

// An ok run of any op: ok_doc's numbers under another case.
json ok_doc_of(const std::string& op, const json& params, const std::string& backend, const std::string& variant,
               double median) {
  json d = ok_doc(backend, variant, 64, median);
  d["case"]["op"] = op;
  d["case"]["params"] = params;
  d["id"] = d["case"].get<CaseSpec>().id();
  return d;
}

fs::path make_framework_results(const fs::path& root) {
  fs::create_directories(root / "runs");
  const std::vector<json> docs = {
      ok_doc_of("dispatch", {{"mode", "call"}}, "native", "openblas", 2e-9),
      ok_doc_of("dispatch", {{"mode", "graph"}}, "tensorflow", "graph", 2e-5),
      ok_doc_of("dispatch", {{"mode", "eager"}}, "torch", "eager", 1e-6),
      ok_doc_of("relu", {{"n", 4096}}, "torch", "eager", 3e-6),
      ok_doc_of("relu", {{"n", 1048576}}, "torch", "eager", 3e-4),
      ok_doc_of("relu", {{"n", 4096}}, "native", "openblas", 2e-6),
      ok_doc_of("relu", {{"n", 1048576}}, "native", "openblas", 2e-4),
      ok_doc_of("relu", {{"n", 4096}}, "tensorflow", "graph", 6e-6)};
  json cases = json::array();
  for (const json& d : docs) {
    cases.push_back(d["case"]);
    write(root / "runs" / (d["id"].get<std::string>() + ".json"), d);
  }
  write(root / "suite.json", {{"schema", "versus.suite/1"}, {"name", "fw"},
                              {"settings", {{"processes", 2}, {"quick", true}, {"timeout_seconds", 60.0}}},
                              {"cases", cases}});
  json ctx = context();
  ctx["frameworks"]["torch"]["support"] = {
      {"source", "c10::Dispatcher::getAllOpNames"},
      {"registered_ops", 1647},
      {"entries",
       {{{"id", "lstm"}, {"kind", "op"}, {"what", "fused LSTM layer"}, {"found", {"aten::lstm"}}, {"looked_for", {"aten::lstm"}}},
        {{"id", "lamb"}, {"kind", "optimizer"}, {"what", "LAMB"}, {"found", json::array()},
         {"note", "no torch::optim class in the C++ frontend"}}}}};
  write(root / "context.json", ctx);
  return root;
}

}  // namespace

// The dispatch runs become one table of fixed costs (as multiples of the native call), not an op
// section; the support matrix shows what the framework's registry answered; an op without
// m, n, k is charted as time against work.
TEST(Report, DispatchTableSupportMatrixAndTimeAgainstWorkChart) {
  testing::TempDir tmp;
  const ReportFiles f = write_report(make_framework_results(tmp.path() / "res"), tmp.path() / "out");
  const std::string md = slurp(f.markdown);
  const size_t dispatch = md.find("## Dispatch overhead");
  ASSERT_NE(dispatch, std::string::npos) << md;
  const std::string table = md.substr(dispatch, md.find("\n## ", dispatch + 1) - dispatch);
  EXPECT_NE(table.find("| tensorflow | `graph` | 2 | 20.000 |"), std::string::npos) << table;
  EXPECT_NE(table.find("| 10000× |"), std::string::npos) << table;  // 20 µs ÷ 2 ns
  EXPECT_LT(table.find("`call`"), table.find("`eager`"));            // fastest first
  EXPECT_EQ(md.find("Operation: dispatch"), std::string::npos);
  // torch is the faster framework at the one shape both ran (native, the reference, is left out).
  EXPECT_NE(md.find("| relu forward · cpu · 2 threads | 1 | torch:eager (1) | torch:eager 1.00, tensorflow:graph 2.00 |"),
            std::string::npos) << md;
  EXPECT_NE(md.find("## What each framework offers"), std::string::npos);
  EXPECT_NE(md.find("torch: 1647 registered ops"), std::string::npos);
  EXPECT_NE(md.find("| op | fused LSTM layer | `aten::lstm` |"), std::string::npos) << md;
  EXPECT_NE(md.find("— no torch::optim class in the C++ frontend"), std::string::npos);
  if (!gnuplot_on_path()) VERSUS_SKIP_UNLESS_REQUIRED("gnuplot is not installed: no chart to check");
  const std::string svg = slurp(tmp.path() / "out" / "chart-relu-cpu-float32-t2.svg");
  EXPECT_NE(svg.find("time per iteration"), std::string::npos);
  EXPECT_NE(svg.find("torch:eager"), std::string::npos);
  EXPECT_FALSE(fs::exists(tmp.path() / "out" / "chart-dispatch-cpu-float32-t2.svg"));  // not an op chart...
  const std::string dispatch_svg = slurp(tmp.path() / "out" / "chart-dispatch.svg");   // ...its own
  EXPECT_NE(dispatch_svg.find("tensorflow graph t2"), std::string::npos);
  EXPECT_NE(dispatch_svg.find("native call t2"), std::string::npos);
}

}  // namespace versus

namespace versus {
namespace {

size_t count_of(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t p = text.find(what); p != std::string::npos; p = text.find(what, p + what.size())) ++n;
  return n;
}

}  // namespace

// The report as a reader sees it: headless Chromium loads it offline, every chart the report
// places is an SVG with drawn paths in the rendered page, and the page logs no error. A folder
// with a crash, an unsupported case and an unstable run renders too, each named for what it is.
TEST(ReportInBrowser, EveryChartIsDrawnAndThePageLogsNoError) {
  if (!gnuplot_on_path()) VERSUS_SKIP_UNLESS_REQUIRED("gnuplot is not installed: no chart to render");
  testing::TempDir tmp;
  const fs::path res = make_results(tmp.path() / "res", /*with_unrun_case=*/true);  // torch 1024, filled in:
  json unstable = ok_doc("torch", "eager", 1024, 0.02);
  unstable["summary"]["cv"] = 0.4;
  unstable["summary"]["unstable"] = true;
  write(res / "runs" / (unstable["id"].get<std::string>() + ".json"), unstable);
  const ReportFiles ops = write_report(res, tmp.path() / "out");
  const ReportFiles fw = write_report(make_framework_results(tmp.path() / "res2"), tmp.path() / "out2");
  for (const ReportFiles& f : {ops, fw}) {
    SCOPED_TRACE(f.html.string());
    const testing::BrowserRender page = testing::render_in_chromium(f.html);
    if (!page.available) {
      VERSUS_SKIP_UNLESS_REQUIRED("chromium is not installed: the rendered report cannot be checked here");
    }
    ASSERT_EQ(page.exit_code, 0);
    EXPECT_TRUE(page.console_messages.empty()) << page.console_messages.front();
    const std::string html = slurp(f.html);
    const size_t figures = count_of(html, "<figure class=\"chart\">");
    EXPECT_GE(figures, 2u);
    EXPECT_EQ(count_of(page.dom, "<figure class=\"chart\">"), figures);
    EXPECT_GE(count_of(page.dom, "<svg"), figures);  // every figure holds its drawing
    EXPECT_EQ(page.dom.find("no chart:"), std::string::npos);
    EXPECT_GE(count_of(page.dom, "<path"), 4 * figures);
  }
  // The check can fail: a page that logs an error is caught.
  std::ofstream(tmp.path() / "bad.html") << "<html><body><script>console.error('boom');</script></body></html>";
  EXPECT_FALSE(testing::render_in_chromium(tmp.path() / "bad.html").console_messages.empty());
  const std::string dom = testing::render_in_chromium(ops.html).dom;
  EXPECT_NE(dom.find("crashed"), std::string::npos);
  EXPECT_NE(dom.find(kUnsupportedReason), std::string::npos);
  EXPECT_NE(dom.find("UNSTABLE"), std::string::npos);
}

}  // namespace versus
