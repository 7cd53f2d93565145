// The processes of one case alternate between its backends, and two runs of the same suite on
// the same machine, compared, give no verdicts (the A/A check), with a worker whose processes
// differ from each other the way real ones do.
#include <gtest/gtest.h>

#include <cstdlib>

#include "core/compare_stats.h"
#include "report/compare.h"
#include "report/report_model.h"
#include "runner/interleave.h"
#include "runner/suite_runner.h"
#include "test_util.h"

namespace versus {
namespace {

std::vector<std::string> native_variants(const std::string&, const std::string&) { return {"openblas", "onednn", "eigen"}; }

TEST(Interleave, BackendsOfOneCaseFormAGroupAndRoundsRotate) {
  const nlohmann::json suite = {{"name", "g"}, {"backends", {"native"}}, {"quick", true},
                                {"cases", {{{"op", "gemm"}, {"sizes", {16, 32}}}}}};
  const SuitePlan plan = expand_suite(suite, native_variants, 1);
  const auto groups = comparison_groups(plan.cases);
  ASSERT_EQ(groups.size(), 2u);
  for (const auto& g : groups) {
    ASSERT_EQ(g.size(), 3u);
    for (size_t i : g) EXPECT_EQ(comparison_key(plan.cases[i]), comparison_key(plan.cases[g.front()]));
  }
  EXPECT_NE(comparison_key(plan.cases[groups[0][0]]), comparison_key(plan.cases[groups[1][0]]));
  EXPECT_EQ(round_order(3, 0), (std::vector<size_t>{0, 1, 2}));
  EXPECT_EQ(round_order(3, 1), (std::vector<size_t>{1, 2, 0}));
  EXPECT_EQ(round_order(3, 2), (std::vector<size_t>{2, 0, 1}));
  EXPECT_EQ(round_order(3, 3), (std::vector<size_t>{0, 1, 2}));
}

class SuiteRuns : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!testing::worker_built("native")) GTEST_SKIP() << "native worker not built";
    ::setenv("VERSUS_WORKER_DIR", testing::bin_dir().c_str(), 1);
  }
  void TearDown() override {
    for (const char* v : {"VERSUS_TEST_NOISY_VARIANT", "VERSUS_TEST_PROCESS_SHIFT_FILE", "VERSUS_TEST_PROCESS_SHIFT"})
      ::unsetenv(v);
  }
  std::map<std::string, WorkerInfo> workers_ = {{"native", probe_worker("native")}};
};

// Three variants of one case, three processes each: the processes ran A B C, B C A, C A B.
TEST_F(SuiteRuns, ProcessesOfACaseAlternateBetweenItsBackends) {
  const nlohmann::json suite = {{"name", "order"}, {"backends", {"native"}}, {"quick", true}, {"processes", 3},
                                {"cases", {{{"op", "gemm"}, {"sizes", {16}}}}}};
  SuitePlan plan = expand_suite(suite, native_variants, 1);
  for (auto& c : plan.cases) c.timing = {1, 0.0, 3, 0.0};
  testing::TempDir tmp;
  const ResultsDir dir = ResultsDir::create_new(tmp.path(), plan.name);
  dir.write_plan(plan);
  run_suite(dir, plan, {}, workers_, false);
  std::vector<std::pair<double, std::string>> started;  // (start time, variant) of every process
  for (const auto& doc : dir.read_runs()) {
    ASSERT_EQ(doc["status"], "ok") << doc.dump();
    for (const auto& p : doc["processes"])
      started.push_back({p["process"]["started_unix_seconds"].get<double>(), doc["case"]["variant"].get<std::string>()});
  }
  std::sort(started.begin(), started.end());
  ASSERT_GE(started.size(), 9u);
  std::vector<std::string> first_nine;
  for (size_t i = 0; i < 9; ++i) first_nine.push_back(started[i].second);
  // plan order is openblas, onednn, eigen; round r starts at the r-th.
  const std::vector<std::string> expected = {"openblas", "onednn", "eigen", "onednn", "eigen", "openblas",
                                             "eigen", "openblas", "onednn"};
  EXPECT_EQ(first_nine, expected);
}

// The A/A check: the same suite run twice with a worker whose every process takes a shift of
// its own (±15 %, as processes differ on a real machine), then compared. At most 2 of the 20
// cases may come out FASTER or SLOWER (the 1000-pair simulation in compare_stats_test holds the
// 5 % bound exactly; 20 real cases allow a little luck) — and the same data, pooled as if every sample were an
// independent run, would have produced verdicts, so the check can fail.
TEST_F(SuiteRuns, TwoRunsOfTheSameSuiteComparedGiveNoVerdicts) {
  testing::TempDir tmp;
  ::setenv("VERSUS_TEST_NOISY_VARIANT", "openblas", 1);
  ::setenv("VERSUS_TEST_PROCESS_SHIFT_FILE", (tmp.path() / "counter").c_str(), 1);
  ::setenv("VERSUS_TEST_PROCESS_SHIFT", "0.15", 1);
  std::vector<int> sizes;
  for (int m = 8; m < 28; ++m) sizes.push_back(m);
  const nlohmann::json suite = {{"name", "aa"}, {"backends", {"native:openblas"}}, {"quick", true}, {"processes", 3},
                                {"cases", {{{"op", "gemm"}, {"sizes", sizes}}}}};
  SuitePlan plan = expand_suite(suite, native_variants, 1);
  for (auto& c : plan.cases) c.timing = {1, 0.0, 20, 0.0};
  ASSERT_EQ(plan.cases.size(), 20u);
  std::vector<ResultsDir> runs;
  for (const char* name : {"a", "b"}) {
    runs.push_back(ResultsDir::create_new(tmp.path(), name));
    runs.back().write_plan(plan);
    EXPECT_EQ(run_suite(runs.back(), plan, {}, workers_, false).ok, 20);
  }
  const ComparisonResult r = compare_results(runs[0].root(), runs[1].root(), 0.05);
  ASSERT_EQ(r.cases.size(), 20u);
  EXPECT_LE(r.faster + r.slower, 2) << format_comparison(r, runs[0].root(), runs[1].root(), 0.05);
  EXPECT_EQ(r.regressions, 0);
  int pooled_verdicts = 0;
  std::map<std::string, std::vector<double>> samples_b;
  for (const auto& doc : runs[1].read_runs()) samples_b[doc["id"]] = doc["samples_seconds"].get<std::vector<double>>();
  for (const auto& doc : runs[0].read_runs()) {
    RatioEstimate pooled = sample_ratio(doc["samples_seconds"].get<std::vector<double>>(), samples_b.at(doc["id"]));
    pooled.between_processes = true;
    pooled.p_value = pooled.ci_low > 1 || pooled.ci_high < 1 ? 0.0 : 1.0;
    const Verdict v = judge(pooled);
    pooled_verdicts += v == Verdict::kFaster || v == Verdict::kSlower;
  }
  std::printf("A/A: %d of 20 verdicts between processes, %d with pooled samples\n", r.faster + r.slower, pooled_verdicts);
  EXPECT_GE(pooled_verdicts, 4) << "pooled samples should have produced false verdicts here";
}

}  // namespace
}  // namespace versus
