// Comparison statistics against textbook values.
#include <gtest/gtest.h>

#include "core/compare_stats.h"

namespace versus {

TEST(MannWhitney, MatchesATextbookExample) {
  // Fully separated samples of 5 and 5: U = 0; exact two-sided p = 2/252 = 0.0079; the
  // continuity-corrected normal approximation gives z = -2.507, p = 0.0122 (scipy's
  // mannwhitneyu(..., method="asymptotic") agrees).
  const MannWhitney r = mann_whitney_u({1, 2, 3, 4, 5}, {6, 7, 8, 9, 10});
  EXPECT_DOUBLE_EQ(r.u, 0.0);
  EXPECT_NEAR(r.z, -2.5067, 1e-3);
  EXPECT_NEAR(r.p_value, 0.01219, 1e-4);
}

TEST(MannWhitney, TiesAndIdenticalSamples) {
  EXPECT_DOUBLE_EQ(mann_whitney_u({1, 1, 1}, {1, 1, 1}).p_value, 1.0);
  // U counts pairs where a beats b, ties half: a={1,2}, b={2,3}: pairs (1,2)=0,(1,3)=0,(2,2)=.5,(2,3)=0.
  EXPECT_DOUBLE_EQ(mann_whitney_u({1, 2}, {2, 3}).u, 0.5);
}

TEST(MedianRatio, EstimatesAndBracketsTheRatio) {
  std::vector<double> a, b;
  for (int i = 0; i < 30; ++i) {
    a.push_back(1.0 + 0.01 * (i % 5));
    b.push_back(2.0 + 0.02 * (i % 5));
  }
  const RatioEstimate r = median_ratio(a, b);
  EXPECT_NEAR(r.ratio, 2.0, 1e-12);
  EXPECT_LE(r.ci_low, 2.0);
  EXPECT_GE(r.ci_high, 2.0);
  EXPECT_GT(r.ci_low, 1.9);
}

TEST(Verdict, SeparatesFasterSlowerSameAndAmbiguous) {
  std::vector<double> base, slow, fast, same;
  for (int i = 0; i < 20; ++i) {
    base.push_back(1.0 + 0.001 * i);
    slow.push_back(1.5 + 0.001 * i);
    fast.push_back(0.5 + 0.001 * i);
    same.push_back(1.0 + 0.001 * ((i + 7) % 20));
  }
  auto verdict = [&](const std::vector<double>& b) { return judge(median_ratio(base, b), mann_whitney_u(base, b)); };
  EXPECT_EQ(verdict(slow), Verdict::kSlower);
  EXPECT_EQ(verdict(fast), Verdict::kFaster);
  EXPECT_EQ(verdict(same), Verdict::kSame);
  // Two samples each, wildly spread: the data cannot tell.
  EXPECT_EQ(judge(median_ratio({1.0, 3.0}, {1.5, 4.0}), mann_whitney_u({1.0, 3.0}, {1.5, 4.0})), Verdict::kAmbiguous);
}

}  // namespace versus
