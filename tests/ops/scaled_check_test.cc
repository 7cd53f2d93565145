// The shared checker: each output judged against its own tolerance, the worst one reported.
#include <gtest/gtest.h>

#include <cmath>

#include "core/ops/scaled_check.h"

namespace versus {
namespace {

TEST(ScaledCheck, EachOutputIsJudgedAgainstItsOwnTolerance) {
  const HostTensor a{"dA", {2, 2}, {1, 2, 3, 4}}, b{"dB", {3}, {1, 1, 1}};
  const std::vector<ScaledOutput> outs = {{&a, {1, 1, 1, 1}, 1e-2}, {&b, {2, 2, 2}, 1e-4}};
  // dA is off by 5e-3 (half its tolerance), dB by 1e-4 / 2 = 5e-5 (half of its own).
  Validation v = check_scaled(outs, {{1, 2, 3.005f, 4}, {1, 1, 1.0001f}}, "m");
  EXPECT_TRUE(v.passed) << v.detail;
  EXPECT_EQ(v.metric, "m");
  // dB now at twice its tolerance: it fails although its error is far below dA's tolerance.
  v = check_scaled(outs, {{1, 2, 3.005f, 4}, {1, 1, 1.0004f}}, "m");
  EXPECT_FALSE(v.passed);
  EXPECT_DOUBLE_EQ(v.tolerance, 1e-4);
  EXPECT_NEAR(v.max_rel_error, 2e-4, 1e-6);
  EXPECT_NE(v.detail.find("worst at dB[2]"), std::string::npos) << v.detail;
  v = check_scaled(outs, {{1, 2, 3.1f, 4}, {1, 1, 1}}, "m");
  EXPECT_NE(v.detail.find("worst at dA[1][0]"), std::string::npos) << v.detail;
}

TEST(ScaledCheck, ZeroScaleJudgesAbsoluteErrorAndZeroToleranceDemandsExactness) {
  const HostTensor y{"Y", {2}, {0, 5}};
  const std::vector<ScaledOutput> exact = {{&y, {0, 0}, 0.0}};
  EXPECT_TRUE(check_scaled(exact, {{0, 5}}, "m").passed);
  EXPECT_FALSE(check_scaled(exact, {{0, std::nextafter(5.0f, 6.0f)}}, "m").passed);
}

TEST(ScaledCheck, NonFiniteAndMisshapenResultsFail) {
  const HostTensor y{"Y", {2}, {1, 2}};
  const std::vector<ScaledOutput> outs = {{&y, {1, 1}, 1.0}};
  EXPECT_FALSE(check_scaled(outs, {{1, std::nanf("")}}, "m").passed);
  EXPECT_FALSE(check_scaled(outs, {{1, INFINITY}}, "m").passed);
  EXPECT_FALSE(check_scaled(outs, {{1}}, "m").passed);
  EXPECT_FALSE(check_scaled(outs, {}, "m").passed);
  EXPECT_NE(check_scaled(outs, {}, "m").detail.find("expected 1 output, got 0"), std::string::npos);
}

TEST(ScaledCheck, ElementNamesFollowTheShape) {
  const HostTensor t{"X", {2, 3, 4}, std::vector<float>(24)};
  EXPECT_EQ(element_name(t, 0), "X[0][0][0]");
  EXPECT_EQ(element_name(t, 23), "X[1][2][3]");
  EXPECT_EQ(element_name(t, 13), "X[1][0][1]");
}

}  // namespace
}  // namespace versus
