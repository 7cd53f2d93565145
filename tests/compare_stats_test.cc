// Comparison statistics: Welch's test between processes against textbook values, and the
// false-verdict rate of an A/A comparison with between-process noise.
#include <gtest/gtest.h>

#include <cmath>

#include "core/compare_stats.h"
#include "core/rng.h"

namespace versus {
namespace {

// `k` processes whose medians are `medians` (each with a few samples tightly around it).
ProcessSamples processes_at(const std::vector<double>& medians) {
  ProcessSamples out;
  for (double m : medians) out.push_back({m * 0.999, m, m * 1.001});
  return out;
}

double uniform(Rng& rng) { return static_cast<double>(rng.next_u64() >> 11) / 9007199254740992.0; }

}  // namespace

TEST(StudentT, QuantilesAndPValuesMatchTables) {
  EXPECT_NEAR(student_t_975(1), 12.7062, 1e-4);
  EXPECT_NEAR(student_t_975(4), 2.7764, 1e-4);
  EXPECT_NEAR(student_t_975(30), 2.0423, 1e-4);
  EXPECT_NEAR(student_t_p_value(2.7764451, 4), 0.05, 1e-6);
  EXPECT_NEAR(student_t_p_value(0, 4), 1.0, 1e-12);
}

// Holm's step-down adjustment against a hand computation: sorted p 0.01, 0.02, 0.03, 0.5 times
// 4, 3, 2, 1 gives 0.04, 0.06, 0.06 (kept monotone), 0.5 — returned in the order given.
TEST(Holm, AdjustsInStepsAndKeepsTheOrder) {
  const std::vector<double> adjusted = holm_adjusted({0.03, 0.5, 0.01, 0.02});
  ASSERT_EQ(adjusted.size(), 4u);
  EXPECT_NEAR(adjusted[2], 0.04, 1e-12);
  EXPECT_NEAR(adjusted[3], 0.06, 1e-12);
  EXPECT_NEAR(adjusted[0], 0.06, 1e-12);
  EXPECT_NEAR(adjusted[1], 0.5, 1e-12);
  EXPECT_EQ(holm_adjusted({0.9, 0.8}), (std::vector<double>{1.0, 1.0}));
  EXPECT_TRUE(holm_adjusted({}).empty());
}

TEST(ProcessRatio, WelchIntervalMatchesAHandComputation) {
  // Log medians a = {0, 0.1, 0.2}, b = {0.5, 0.6, 0.7}: difference 0.5, each variance 0.01/3,
  // se = sqrt(2·0.01/3) = 0.08165, df = 4 (equal variances and sizes), t = 2.7764.
  const ProcessSamples a = processes_at({1.0, std::exp(0.1), std::exp(0.2)});
  const ProcessSamples b = processes_at({std::exp(0.5), std::exp(0.6), std::exp(0.7)});
  const RatioEstimate r = process_ratio(a, b);
  ASSERT_TRUE(r.between_processes);
  EXPECT_EQ(r.processes_a, 3);
  EXPECT_NEAR(r.ratio, std::exp(0.5), 1e-9);
  EXPECT_NEAR(r.df, 4.0, 1e-9);
  EXPECT_NEAR(r.ci_low, std::exp(0.5 - 2.7764451 * 0.0816497), 1e-5);
  EXPECT_NEAR(r.ci_high, std::exp(0.5 + 2.7764451 * 0.0816497), 1e-5);
  EXPECT_NEAR(r.rerun_high, std::exp(0.5 + 2.7764451 * 0.0816497 * std::sqrt(2.0)), 1e-5);
  EXPECT_NEAR(r.p_value, student_t_p_value(0.5 / 0.0816497, 4), 1e-7);
  EXPECT_EQ(judge(r), Verdict::kSlower);
  EXPECT_EQ(judge(process_ratio(b, a)), Verdict::kFaster);
}

TEST(ProcessRatio, SamplesOfOneProcessAreNotEvidenceOfADifference) {
  // Thousands of samples in one process each, 10 % apart: within-process noise is tiny, but one
  // process cannot say what a rerun gives, so there is no verdict.
  std::vector<double> a, b;
  for (int i = 0; i < 2000; ++i) a.push_back(1.0 + 1e-4 * (i % 7)), b.push_back(1.1 + 1e-4 * (i % 5));
  const RatioEstimate r = process_ratio({a}, {b});
  EXPECT_FALSE(r.between_processes);
  EXPECT_NEAR(r.ratio, 1.1, 1e-3);
  EXPECT_EQ(judge(r), Verdict::kAmbiguous);
}

TEST(ProcessRatio, VerdictsSeparateFasterSlowerSameAndAmbiguous) {
  const ProcessSamples base = processes_at({1.0, 1.001, 0.999, 1.0});
  EXPECT_EQ(judge(process_ratio(base, processes_at({1.5, 1.501, 1.499, 1.5}))), Verdict::kSlower);
  EXPECT_EQ(judge(process_ratio(base, processes_at({0.5, 0.501, 0.499, 0.5}))), Verdict::kFaster);
  EXPECT_EQ(judge(process_ratio(base, processes_at({1.0, 1.0005, 0.9995, 1.0}))), Verdict::kSame);
  // Processes that scatter by ±40 %: the data cannot tell.
  EXPECT_EQ(judge(process_ratio(processes_at({1.0, 1.4}), processes_at({1.2, 0.8}))), Verdict::kAmbiguous);
  // A 10 % difference inside 15 % of machine drift between two runs is not a verdict.
  const RatioEstimate r = process_ratio(base, processes_at({1.1, 1.101, 1.099, 1.1}));
  EXPECT_EQ(judge(r), Verdict::kSlower);
  EXPECT_EQ(judge(r, 0.05, kEquivalenceMargin, 0.15), Verdict::kAmbiguous);
}

// The A/A promise: two runs of the same thing, with processes that differ by far more than their
// samples do, must give SAME or AMBIGUOUS for at least 95 % of cases. Pooling the samples of all
// processes (the old method) fails this badly; the between-process test holds it.
TEST(ProcessRatio, AnAaComparisonWithBetweenProcessNoiseGivesFewVerdicts) {
  Rng rng(2026);
  auto run = [&](int processes) {
    ProcessSamples out;
    for (int p = 0; p < processes; ++p) {
      const double shift = 1.0 + 0.10 * (uniform(rng) - 0.5) * 2;  // ±10 % per process
      std::vector<double> samples;
      for (int i = 0; i < 30; ++i) samples.push_back(shift * (1.0 + 0.005 * uniform(rng)));
      out.push_back(std::move(samples));
    }
    return out;
  };
  int false_verdicts = 0, pooled_false_verdicts = 0;
  const int trials = 1000;
  for (int i = 0; i < trials; ++i) {
    const ProcessSamples a = run(3), b = run(3);
    const Verdict v = judge(process_ratio(a, b));
    false_verdicts += v == Verdict::kFaster || v == Verdict::kSlower;
    // What pooling all samples as if independent would have said (bootstrap interval, p from it).
    std::vector<double> pa, pb;
    for (const auto& p : a) pa.insert(pa.end(), p.begin(), p.end());
    for (const auto& p : b) pb.insert(pb.end(), p.begin(), p.end());
    if (i % 10) continue;  // the bootstrap is slow: every tenth trial is enough to show it fails
    RatioEstimate pooled = sample_ratio(pa, pb, static_cast<uint64_t>(i));
    pooled.between_processes = true;
    pooled.p_value = pooled.ci_low > 1 || pooled.ci_high < 1 ? 0.0 : 1.0;
    const Verdict pv = judge(pooled);
    pooled_false_verdicts += pv == Verdict::kFaster || pv == Verdict::kSlower;
  }
  EXPECT_LE(false_verdicts, trials * 5 / 100) << false_verdicts << " false verdicts in " << trials;
  EXPECT_GT(pooled_false_verdicts, trials / 10 * 30 / 100) << "the pooled method should fail this test";
}

}  // namespace versus
