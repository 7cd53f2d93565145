// `versus compare`: verdicts per case, cases missing on one side, exit status for regressions.
#include <gtest/gtest.h>

#include <fstream>

#include <cmath>

#include <fmt/format.h>

#include "report/compare.h"
#include "results/results_dir.h"
#include "runner/plan.h"
#include "test_util.h"

namespace versus {
namespace {

// Three worker processes around `center`, each a little off (as processes are), 10 samples each.
void write_run(const ResultsDir& dir, const std::string& id, double center, const std::string& status = "ok",
               const nlohmann::json& work = nullptr) {
  std::vector<double> samples;
  nlohmann::json processes = nlohmann::json::array();
  for (int p = 0; p < 3; ++p) {
    std::vector<double> own;
    for (int i = 0; i < 10; ++i) own.push_back(center * (1.0 + 0.003 * p) * (1.0 + 0.002 * (i % 7)));
    samples.insert(samples.end(), own.begin(), own.end());
    processes.push_back({{"status", "ok"}, {"samples_seconds", own}});
  }
  nlohmann::json doc = {{"schema", kResultSchema}, {"id", id}, {"status", status}, {"samples_seconds", samples},
                        {"processes", processes}};
  if (!work.is_null()) doc["work"] = work;
  dir.write_run(id, doc);
}

ResultsDir make_dir(const std::filesystem::path& parent, const std::string& name) {
  const ResultsDir d = ResultsDir::create_new(parent, name);
  d.write_plan(SuitePlan{name, "", default_settings(true), {}});
  return d;
}

}  // namespace

TEST(Compare, VerdictsAndRegressions) {
  testing::TempDir tmp;
  const ResultsDir a = make_dir(tmp.path(), "a"), b = make_dir(tmp.path(), "b");
  write_run(a, "same", 1.0);
  write_run(b, "same", 1.0);
  write_run(a, "slower", 1.0);
  write_run(b, "slower", 1.3);
  write_run(a, "faster", 1.0);
  write_run(b, "faster", 0.5);
  write_run(a, "only-a", 1.0);
  write_run(a, "failed", 1.0);
  write_run(b, "failed", 1.0, "timeout");
  const ComparisonResult r = compare_results(a.root(), b.root(), 0.05);
  EXPECT_EQ(r.same, 1);
  EXPECT_EQ(r.slower, 1);
  EXPECT_EQ(r.faster, 1);
  EXPECT_EQ(r.not_compared, 2);
  EXPECT_EQ(r.regressions, 1);
  const std::string text = format_comparison(r, a.root(), b.root(), 0.05);
  EXPECT_NE(text.find("| slower | 1.300 |"), std::string::npos) << text;
  EXPECT_NE(text.find("not compared: only in A"), std::string::npos);
  EXPECT_NE(text.find("not compared: B: timeout"), std::string::npos);
  // A 40 % threshold tolerates the 30 % slowdown: the CLI's exit status follows `regressions`.
  EXPECT_EQ(compare_results(a.root(), b.root(), 0.40).regressions, 0);
}

// The machine's own control measurements (the roofline each run took at its start): the peak moved
// 1 %, the memory bandwidth 25 %. A memory-bound case 10 % slower is then the machine's drift, not
// the software's; a compute-bound case 10 % slower is a verdict; twice as slow is beyond any drift.
// A truncated or garbled run file in one folder is left out (named on stderr); the rest compares.
TEST(Compare, AGarbledRunFileIsLeftOutAndTheRestCompared) {
  testing::TempDir tmp;
  const ResultsDir a = make_dir(tmp.path(), "a"), b = make_dir(tmp.path(), "b");
  write_run(a, "same", 1.0);
  write_run(b, "same", 1.0);
  write_run(a, "slower", 1.0);
  std::ofstream(b.root() / "runs" / "slower.json") << "{\"schema\": \"versus.res";  // cut off mid-write
  const ComparisonResult r = compare_results(a.root(), b.root(), 0.05);
  EXPECT_EQ(r.same, 1);
  EXPECT_EQ(r.not_compared, 1);  // slower: only in A now
}

TEST(Compare, MachineDriftBetweenTheRunsIsNotCalledARegression) {
  testing::TempDir tmp;
  const ResultsDir a = make_dir(tmp.path(), "a"), b = make_dir(tmp.path(), "b");
  a.write_context({{"roofline", {{"peak_gflops", 100.0}, {"bandwidth_gbs", 20.0}}},
                   {"machine", {{"cpu", {{"last_level_cache_bytes", 32.0 * 1024 * 1024}}}}}});
  b.write_context({{"roofline", {{"peak_gflops", 99.0}, {"bandwidth_gbs", 16.0}}}});
  const nlohmann::json streaming = {{"flops", 1e8}, {"bytes", 1.2e9}};  // 0.08 flop/byte, 1.2 GB
  const nlohmann::json in_cache = {{"flops", 1e5}, {"bytes", 1.2e6}};   // as low, but fits the cache
  write_run(a, "memory-bound", 1.0, "ok", streaming);
  write_run(b, "memory-bound", 1.1, "ok", streaming);
  write_run(a, "memory-bound-2x", 1.0, "ok", streaming);
  write_run(b, "memory-bound-2x", 2.0, "ok", streaming);
  write_run(a, "in-cache", 1.0, "ok", in_cache);
  write_run(b, "in-cache", 1.1, "ok", in_cache);
  const ComparisonResult r = compare_results(a.root(), b.root(), 0.05);
  ASSERT_EQ(r.cases.size(), 3u);  // by id: in-cache, memory-bound, memory-bound-2x
  EXPECT_EQ(r.cases[0].control, "peak_gflops");
  EXPECT_EQ(r.cases[0].verdict, Verdict::kSlower);
  EXPECT_EQ(r.cases[1].control, "bandwidth_gbs");
  EXPECT_NEAR(r.cases[1].drift, 0.25, 1e-9);  // 20 / 16 = 1.25
  EXPECT_EQ(r.cases[1].verdict, Verdict::kAmbiguous);
  EXPECT_EQ(r.cases[2].verdict, Verdict::kSlower);
  EXPECT_EQ(r.regressions, 2);
  const std::string text = format_comparison(r, a.root(), b.root(), 0.05);
  EXPECT_NE(text.find("machine control bandwidth_gbs (median of its trials): A 20, B 16 (-20.0 %)"), std::string::npos) << text;
  EXPECT_NE(text.find("memory bandwidth (bounds cases below the ridge whose data exceed the last-level cache) by 25.0 %"),
            std::string::npos) << text;
}

// Run B is measured at another time: each case's processes in B share a shift of their own (up to
// ±8 %) that no process of either run shows. Compare measures that run-to-run spread from all the
// cases and adds it, so the A/A comparison gives no verdict — while three cases made 1.6× slower
// in a second B still stand out as SLOWER.
TEST(Compare, TheSpreadBetweenRunsIsMeasuredFromAllCases) {
  testing::TempDir tmp;
  const ResultsDir a = make_dir(tmp.path(), "a"), b = make_dir(tmp.path(), "b"), c = make_dir(tmp.path(), "c");
  for (int i = 0; i < 24; ++i) {
    const std::string id = fmt::format("case-{:02d}", i);
    const double shift = 1.0 + 0.08 * std::sin(1.7 * i);  // deterministic, spread over ±8 %
    write_run(a, id, 1.0);
    write_run(b, id, shift);
    write_run(c, id, i < 3 ? 1.6 * shift : shift);
  }
  const ComparisonResult aa = compare_results(a.root(), b.root(), 0.05);
  EXPECT_GT(aa.run_spread, 0.04);
  EXPECT_EQ(aa.faster + aa.slower, 0) << format_comparison(aa, a.root(), b.root(), 0.05);
  EXPECT_NE(format_comparison(aa, a.root(), b.root(), 0.05).find("the two runs differ by more than their processes show"),
            std::string::npos);
  const ComparisonResult changed = compare_results(a.root(), c.root(), 0.05);
  EXPECT_EQ(changed.slower, 3) << format_comparison(changed, a.root(), c.root(), 0.05);
  EXPECT_EQ(changed.regressions, 3);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(changed.cases[static_cast<size_t>(i)].verdict, Verdict::kSlower);
}

TEST(Compare, CliExitStatusSignalsARegression) {
  testing::TempDir tmp;
  const ResultsDir a = make_dir(tmp.path(), "a"), b = make_dir(tmp.path(), "b");
  write_run(a, "x", 1.0);
  write_run(b, "x", 2.0);
  EXPECT_EQ(testing::run_versus({"compare", a.root().string(), b.root().string()}).exit_code, 4);
  EXPECT_EQ(testing::run_versus({"compare", b.root().string(), a.root().string()}).exit_code, 0);
  const auto bad = testing::run_versus({"compare", a.root().string(), (tmp.path() / "nope").string()});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.stderr_tail.find("does not exist"), std::string::npos);
}

}  // namespace versus
