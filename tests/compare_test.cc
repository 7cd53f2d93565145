// `versus compare`: verdicts per case, cases missing on one side, exit status for regressions.
#include <gtest/gtest.h>

#include "report/compare.h"
#include "runner/results_dir.h"
#include "test_util.h"

namespace versus {
namespace {

void write_run(const ResultsDir& dir, const std::string& id, double center, const std::string& status = "ok") {
  std::vector<double> samples;
  for (int i = 0; i < 30; ++i) samples.push_back(center * (1.0 + 0.002 * (i % 7)));
  dir.write_run(id, {{"schema", kResultSchema}, {"id", id}, {"status", status}, {"samples_seconds", samples}});
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
