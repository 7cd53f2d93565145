// Statistics against values computed by hand (and checked with numpy).
#include <gtest/gtest.h>

#include <cmath>

#include "core/stats.h"

namespace versus {

TEST(Stats, MedianOfOddAndEvenCounts) {
  EXPECT_DOUBLE_EQ(median({3, 1, 2}), 2.0);
  EXPECT_DOUBLE_EQ(median({4, 1, 3, 2}), 2.5);
  EXPECT_DOUBLE_EQ(median({7}), 7.0);
  EXPECT_THROW(median({}), std::invalid_argument);
}

TEST(Stats, MeanAndSampleStddevMatchKnownValues) {
  const std::vector<double> v = {2, 4, 4, 4, 5, 5, 7, 9};
  EXPECT_DOUBLE_EQ(mean(v), 5.0);
  // Sum of squared deviations is 32; n-1 = 7.
  EXPECT_NEAR(sample_stddev(v), std::sqrt(32.0 / 7.0), 1e-12);
  EXPECT_DOUBLE_EQ(sample_stddev({1.5}), 0.0);
}

TEST(Stats, BootstrapIntervalBracketsTheMedianAndIsDeterministic) {
  std::vector<double> v;
  for (int i = 1; i <= 41; ++i) v.push_back(i);
  double lo1, hi1, lo2, hi2;
  bootstrap_median_ci(v, 2000, 7, &lo1, &hi1);
  bootstrap_median_ci(v, 2000, 7, &lo2, &hi2);
  EXPECT_EQ(lo1, lo2);
  EXPECT_EQ(hi1, hi2);
  EXPECT_LT(lo1, 21.0);
  EXPECT_GT(hi1, 21.0);
  // For n = 41 the order-statistic interval of the median is about [15, 27].
  EXPECT_GE(lo1, 13.0);
  EXPECT_LE(hi1, 29.0);
}

TEST(Stats, ConstantSamplesGiveAZeroWidthInterval) {
  const Summary s = summarize({2.0, 2.0, 2.0, 2.0});
  EXPECT_DOUBLE_EQ(s.ci_low, 2.0);
  EXPECT_DOUBLE_EQ(s.ci_high, 2.0);
  EXPECT_DOUBLE_EQ(s.cv, 0.0);
  EXPECT_FALSE(s.unstable);
}

TEST(Stats, HighSpreadIsFlaggedUnstable) {
  const Summary s = summarize({1.0, 1.0, 1.0, 2.0, 3.0});
  EXPECT_DOUBLE_EQ(s.median, 1.0);
  EXPECT_DOUBLE_EQ(s.min, 1.0);
  EXPECT_DOUBLE_EQ(s.max, 3.0);
  EXPECT_NEAR(s.cv, sample_stddev({1, 1, 1, 2, 3}) / 1.6, 1e-12);
  EXPECT_TRUE(s.unstable);
  EXPECT_FALSE(summarize({1.0, 1.01, 0.99}).unstable);
}

}  // namespace versus

namespace versus {

TEST(Stats, IntervalHalfWidthIsAFractionOfTheMedian) {
  Summary s;
  s.median = 2.0, s.ci_low = 1.9, s.ci_high = 2.3;
  EXPECT_DOUBLE_EQ(s.ci_half_width(), 0.1);
  s.median = 0;
  EXPECT_EQ(s.ci_half_width(), 0);
  // Tight samples meet the runner's target; scattered ones do not.
  EXPECT_LE(summarize({1.0, 1.01, 0.99, 1.0, 1.02, 0.98, 1.0, 1.01}, 7).ci_half_width(), kCiHalfWidthTarget);
  EXPECT_GT(summarize({1.0, 3.0, 0.5, 2.5, 1.0, 4.0, 0.7, 3.3}, 7).ci_half_width(), kCiHalfWidthTarget);
}

// Processes that differ by a fixed shift (1.0 and 1.2, alternating) with almost no noise inside
// each: the interval is between processes, so it covers the shift instead of shrinking to the
// noise inside one process.
TEST(Stats, TheIntervalBetweenProcessesCoversAShiftBetweenThem) {
  ProcessSamples processes;
  for (int p = 0; p < 4; ++p) {
    std::vector<double> samples;
    for (int i = 0; i < 50; ++i) samples.push_back((p % 2 ? 1.2 : 1.0) * (1 + 1e-4 * (i % 3)));
    processes.push_back(samples);
  }
  const Summary s = summarize_processes(processes);
  EXPECT_TRUE(s.between_processes);
  EXPECT_EQ(s.processes, 4);
  EXPECT_EQ(s.count, 200);
  EXPECT_NEAR(s.median, std::sqrt(1.0 * 1.2), 1e-3);  // geometric mean of the process medians
  EXPECT_LT(s.ci_low, 1.0);
  EXPECT_GT(s.ci_high, 1.2);
  EXPECT_LT(s.rerun_low, s.ci_low);
  EXPECT_GT(s.rerun_high, s.ci_high);
  EXPECT_GT(s.ci_half_width(), kCiHalfWidthTarget);
  // The same samples pooled into one process: a tight interval that a rerun would not respect.
  std::vector<double> pooled;
  for (const auto& p : processes) pooled.insert(pooled.end(), p.begin(), p.end());
  const Summary one = summarize(pooled);
  EXPECT_FALSE(one.between_processes);
  EXPECT_LT(one.ci_high - one.ci_low, s.ci_high - s.ci_low);
}

TEST(Stats, OneProcessFallsBackToItsOwnBootstrapAndSaysSo) {
  const Summary s = summarize_processes({{1.0, 1.01, 0.99, 1.0, 1.02}});
  EXPECT_FALSE(s.between_processes);
  EXPECT_EQ(s.processes, 1);
  EXPECT_DOUBLE_EQ(s.median, 1.0);
  EXPECT_NE(s.method.find("within one process"), std::string::npos);
  EXPECT_EQ(summarize_processes({}).count, 0);
}

}  // namespace versus
