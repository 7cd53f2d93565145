// max_pool and avg_pool: hand-computed windows (padding excluded from max and from the average's
// divisor), gradients against finite differences, tie-free max inputs, checks, bad shapes.
#include <gtest/gtest.h>

#include <cmath>
#include <numeric>
#include <set>

#include "core/ops/pool.h"
#include "op_checks.h"

namespace versus {
namespace {

using op_checks::make_case;
using op_checks::rejection;

nlohmann::json pool(int64_t n, int64_t c, int64_t h, int64_t w, int64_t window, int64_t stride, int64_t pad = 0) {
  return {{"n", n}, {"c", c}, {"h", h}, {"w", w}, {"window", window}, {"stride", stride}, {"pad", pad}};
}

HostTensor counting(int64_t h, int64_t w, float sign = 1) {
  HostTensor x{"X", {1, 1, h, w}, std::vector<float>(static_cast<size_t>(h * w))};
  std::iota(x.data.begin(), x.data.end(), 1.0f);
  for (float& v : x.data) v *= sign;
  return x;
}

std::vector<float> forward(const std::string& op, const nlohmann::json& p, const HostTensor& x) {
  return find_op(op).reference(make_case(op, p), {x}).at(0).data;
}

TEST(PoolOps, ForwardMatchesHandComputedWindows) {
  EXPECT_EQ(forward("max_pool", pool(1, 1, 4, 4, 2, 2), counting(4, 4)), (std::vector<float>{6, 8, 14, 16}));
  // Window 3, stride 2, pad 1 over 1..16: the windows hold 2×2, 2×3, 3×2 and 3×3 real values.
  EXPECT_EQ(forward("max_pool", pool(1, 1, 4, 4, 3, 2, 1), counting(4, 4)), (std::vector<float>{6, 8, 14, 16}));
  // Padding is not a zero that beats negative inputs.
  EXPECT_EQ(forward("max_pool", pool(1, 1, 4, 4, 3, 2, 1), counting(4, 4, -1)), (std::vector<float>{-1, -2, -5, -6}));
  // The average divides by the real values only: (1+2+5+6)/4, (2+3+4+6+7+8)/6, 57/6, 99/9.
  EXPECT_EQ(forward("avg_pool", pool(1, 1, 4, 4, 3, 2, 1), counting(4, 4)), (std::vector<float>{3.5f, 5, 9.5f, 11}));
  const CaseSpec c = make_case("avg_pool", pool(2, 3, 5, 4, 2, 1));
  const auto y = find_op("avg_pool").reference(c, find_op("avg_pool").make_inputs(c));
  EXPECT_EQ(y.at(0).name, "Y");
  EXPECT_EQ(y[0].shape, (std::vector<int64_t>{2, 3, 4, 3}));
}

TEST(PoolOps, BackwardMatchesHandComputedValues) {
  // Every 2×2 window (stride 1) of this 3×3 input has its maximum, 9, in the centre.
  const HostTensor x{"X", {1, 1, 3, 3}, {1, 2, 3, 4, 9, 5, 6, 7, 8}};
  const HostTensor dy{"dY", {1, 1, 2, 2}, {1, 2, 3, 4}};
  auto g = find_op("max_pool").reference(make_case("max_pool", pool(1, 1, 3, 3, 2, 1), "backward"), {x, dy});
  EXPECT_EQ(op_checks::names(g), (std::vector<std::string>{"dX"}));
  EXPECT_EQ(g[0].data, (std::vector<float>{0, 0, 0, 0, 10, 0, 0, 0, 0}));
  g = find_op("avg_pool").reference(make_case("avg_pool", pool(1, 1, 3, 3, 2, 1), "backward"), {x, dy});
  EXPECT_EQ(g[0].data, (std::vector<float>{0.25f, 0.75f, 0.5f, 1, 2.5f, 1.5f, 0.75f, 1.75f, 1}));
}

TEST(PoolOps, BackwardMatchesFiniteDifferences) {
  for (const nlohmann::json& p : {pool(2, 2, 6, 7, 3, 2, 1), pool(1, 3, 5, 5, 2, 1), pool(2, 1, 7, 6, 3, 3, 1)}) {
    // Max inputs are ≥ 2/64 apart here, so a 1e-3 step never changes a window's winner.
    op_checks::expect_gradient_matches_differences(find_op("max_pool"), p, 0, 0, 1e-3);
    op_checks::expect_gradient_matches_differences(find_op("avg_pool"), p, 0, 0, 0.25);
  }
}

TEST(PoolOps, MaxPoolInputsAreDistinctExactAndSeeded) {
  const OpDef& op = find_op("max_pool");
  const CaseSpec c = make_case("max_pool", pool(2, 3, 10, 7, 2, 2));
  const auto in = op.make_inputs(c);
  ASSERT_EQ(in.at(0).data.size(), 2u * 3 * 70);
  for (int plane = 0; plane < 6; ++plane) {
    const std::set<float> values(in[0].data.begin() + plane * 70, in[0].data.begin() + (plane + 1) * 70);
    EXPECT_EQ(values.size(), 70u) << "plane " << plane;
    EXPECT_GT(*values.begin(), -1.0f);
    EXPECT_LT(*values.rbegin(), 1.0f);
    for (float v : values) EXPECT_EQ(v * 128, std::round(v * 128)) << "not a multiple of 2^-7: " << v;
  }
  EXPECT_NE(std::vector<float>(in[0].data.begin(), in[0].data.begin() + 70),
            std::vector<float>(in[0].data.begin() + 70, in[0].data.begin() + 140));
  EXPECT_EQ(op.make_inputs(c)[0].data, in[0].data);
  const auto bwd = op.make_inputs(make_case("max_pool", pool(2, 3, 10, 7, 2, 2), "backward"));
  EXPECT_EQ(op_checks::names(bwd), (std::vector<std::string>{"X", "dY"}));
  EXPECT_EQ(bwd[1].shape, (std::vector<int64_t>{2, 3, 5, 3}));
  EXPECT_EQ(bwd[0].data, in[0].data);
}

// The conventions frameworks differ on must fail the check: padding counted in the average's
// divisor (torch's and MXNet's default count_include_pad=True) and padding as zeros in max.
TEST(PoolOps, OtherPaddingConventionsFailTheCheck) {
  const nlohmann::json p = pool(2, 2, 6, 6, 3, 2, 1);
  const OpDef& avg = find_op("avg_pool");
  const CaseSpec c = make_case("avg_pool", p);
  const auto in = avg.make_inputs(c);
  const auto ref = avg.reference(c, in);
  // Float32, summed and then multiplied by a rounded reciprocal: passes.
  std::vector<float> f32(ref[0].data.size()), include_pad(ref[0].data.size());
  const PoolParams q = parse_pool_params("avg_pool", p);
  for (int64_t plane = 0; plane < 4; ++plane)
    for (int64_t oh = 0; oh < q.ho(); ++oh)
      for (int64_t ow = 0; ow < q.wo(); ++ow) {
        float sum = 0;
        int count = 0;
        for (int64_t ih = oh * 2 - 1; ih < oh * 2 + 2; ++ih)
          for (int64_t iw = ow * 2 - 1; iw < ow * 2 + 2; ++iw)
            if (ih >= 0 && ih < 6 && iw >= 0 && iw < 6) {
              sum += in[0].data[(plane * 6 + ih) * 6 + iw];
              ++count;
            }
        f32[(plane * q.ho() + oh) * q.wo() + ow] = sum * (1.0f / static_cast<float>(count));
        include_pad[(plane * q.ho() + oh) * q.wo() + ow] = sum / 9.0f;
      }
  const Validation ok = avg.check(c, in, ref, {f32});
  EXPECT_TRUE(ok.passed) << ok.max_rel_error << " > " << ok.tolerance;
  EXPECT_FALSE(avg.check(c, in, ref, {include_pad}).passed);

  const OpDef& max = find_op("max_pool");
  const CaseSpec mc = make_case("max_pool", p);
  auto min = max.make_inputs(mc);
  for (float& v : min[0].data) v = -std::fabs(v) - 0.5f;  // all negative: a zero pad would win
  const auto mref = max.reference(mc, min);
  std::vector<float> zero_pad = mref[0].data;
  zero_pad[0] = 0;  // the top-left window overlaps the padding
  EXPECT_FALSE(max.check(mc, min, mref, {zero_pad}).passed);
}

TEST(PoolOps, CheckPassesTheReferenceAndFailsCorruptedResults) {
  for (const char* op : {"max_pool", "avg_pool"})
    for (const char* dir : {"forward", "backward"})
      op_checks::expect_check_rejects_corruption(find_op(op), make_case(op, pool(2, 3, 7, 6, 3, 2, 1), dir));
}

TEST(PoolOps, BadParametersAreRejectedWithTheirName) {
  for (const char* name : {"max_pool", "avg_pool"}) {
    const OpDef& op = find_op(name);
    EXPECT_NE(rejection(op, pool(1, 1, 8, 8, 3, 1, 2)).find("--pad 2 is out of range; use 0..1"), std::string::npos);
    EXPECT_NE(rejection(op, pool(1, 1, 8, 8, 0, 1)).find("--window 0 is out of range"), std::string::npos);
    EXPECT_NE(rejection(op, pool(1, 1, 8, 8, 2, 0)).find("--stride 0 is out of range"), std::string::npos);
    EXPECT_NE(rejection(op, pool(1, 1, 3, 8, 5, 1, 0)).find("larger than the 3x8 input"), std::string::npos);
    EXPECT_NE(rejection(op, {{"n", 1}, {"c", 1}, {"h", 8}, {"w", 8}}).find("needs --window"), std::string::npos);
    EXPECT_NE(rejection(op, {{"n", 1}, {"c", 1}, {"h", 8}, {"w", 8}, {"kernel", 2}}).find("unknown parameter 'kernel'"),
              std::string::npos);
    EXPECT_NE(rejection(op, pool(4096, 4096, 512, 512, 2, 2)).find("GiB"), std::string::npos);
    EXPECT_EQ(rejection(op, pool(64, 16, 32, 32, 2, 2)), "no error");
  }
  EXPECT_NE(rejection(find_op("max_pool"), pool(1, 1, 8192, 8192, 2, 2)).find("distinct float32 values"), std::string::npos);
  EXPECT_EQ(rejection(find_op("avg_pool"), pool(1, 1, 8192, 8192, 2, 2)), "no error");
}

TEST(PoolOps, DescribeThemselvesAndCountWork) {
  const OpDef& op = find_op("avg_pool");
  EXPECT_TRUE(op.has_backward());
  EXPECT_EQ(op.shape_label(pool(64, 16, 32, 32, 3, 2, 1)), "n64-c16-h32-w32-win3-st2-p1");
  // The stride defaults to the window.
  EXPECT_EQ(find_op("max_pool").shape_label({{"n", 1}, {"c", 2}, {"h", 8}, {"w", 8}, {"window", 2}}), "n1-c2-h8-w8-win2-st2-p0");
  EXPECT_DOUBLE_EQ(op.flops(pool(2, 3, 8, 8, 2, 2)), 2.0 * 3 * 4 * 4 * 2 * 2);
  EXPECT_DOUBLE_EQ(op.bytes(pool(2, 3, 8, 8, 2, 2)), 4.0 * (2 * 3 * 64 + 2 * 3 * 16));
}

}  // namespace
}  // namespace versus
