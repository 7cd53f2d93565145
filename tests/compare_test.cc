// `versus compare`: verdicts per case, cases missing on one side, exit status for regressions.
#include <gtest/gtest.h>

#include "report/compare.h"
#include "runner/results_dir.h"
#include "test_util.h"

namespace versus {
namespace {

// Three worker processes around `center`, each a little off (as processes are), 10 samples each.
void write_run(const ResultsDir& dir, const std::string& id, double center, const std::string& status = "ok") {
  std::vector<double> samples;
  nlohmann::json processes = nlohmann::json::array();
  for (int p = 0; p < 3; ++p) {
    std::vector<double> own;
    for (int i = 0; i < 10; ++i) own.push_back(center * (1.0 + 0.003 * p) * (1.0 + 0.002 * (i % 7)));
    samples.insert(samples.end(), own.begin(), own.end());
    processes.push_back({{"status", "ok"}, {"samples_seconds", own}});
  }
  dir.write_run(id, {{"schema", kResultSchema}, {"id", id}, {"status", status}, {"samples_seconds", samples},
                     {"processes", processes}});
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

// The machine's own control measurements (the roofline each run took at its start) differ by
// 20 %: a 10 % difference is then the machine's drift, not the software's, and compare says so.
TEST(Compare, MachineDriftBetweenTheRunsIsNotCalledARegression) {
  testing::TempDir tmp;
  const ResultsDir a = make_dir(tmp.path(), "a"), b = make_dir(tmp.path(), "b");
  a.write_context({{"roofline", {{"peak_gflops", 100.0}, {"bandwidth_gbs", 20.0}}}});
  b.write_context({{"roofline", {{"peak_gflops", 99.0}, {"bandwidth_gbs", 16.0}}}});
  write_run(a, "x", 1.0);
  write_run(b, "x", 1.1);
  write_run(a, "y", 1.0);
  write_run(b, "y", 2.0);
  const ComparisonResult r = compare_results(a.root(), b.root(), 0.05);
  EXPECT_NEAR(r.drift, 0.25, 1e-9);  // 20 / 16 = 1.25
  ASSERT_EQ(r.cases.size(), 2u);
  EXPECT_EQ(r.cases[0].verdict, Verdict::kAmbiguous);
  EXPECT_EQ(r.cases[1].verdict, Verdict::kSlower);  // twice as slow is beyond any drift
  EXPECT_EQ(r.regressions, 1);
  const std::string text = format_comparison(r, a.root(), b.root(), 0.05);
  EXPECT_NE(text.find("machine control bandwidth_gbs: A 20, B 16 (-20.0 %)"), std::string::npos) << text;
  EXPECT_NE(text.find("the machine itself drifted by 25.0 %"), std::string::npos) << text;
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
