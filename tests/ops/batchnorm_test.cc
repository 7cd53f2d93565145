// batch_norm (training mode): hand-computed statistics per channel, gradients against finite
// differences, float32 implementations within tolerance, convention mistakes caught.
#include <gtest/gtest.h>

#include <cmath>

#include "core/ops/batchnorm.h"
#include "op_checks.h"

namespace versus {
namespace {

using op_checks::make_case;
using op_checks::rejection;

nlohmann::json bn(int64_t n, int64_t c, int64_t h, int64_t w) { return {{"n", n}, {"c", c}, {"h", h}, {"w", w}}; }

struct Variant {
  double eps = kBatchNormEps;
  bool unbiased = false;   // divide the variance by M-1
  bool one_pass = false;   // var = E[x²] - mean², as some fused kernels do
  bool nhwc = false;       // read the data as if channels were the last axis
};

// Float32 batch norm, forward and backward, summing sequentially in float: the least accurate
// way a framework could reasonably do it.
std::vector<std::vector<float>> float32_batch_norm(const BatchNormParams& p, const std::vector<HostTensor>& in,
                                                   bool backward, Variant v = {}) {
  const int64_t plane = p.h * p.w, m = p.n * plane;
  auto at = [&](int64_t ch, int64_t j) {  // j-th value of channel ch
    if (v.nhwc) return (j * p.c + ch);
    return (j / plane * p.c + ch) * plane + j % plane;
  };
  const auto& x = in[0].data;
  std::vector<float> out(x.size()), dgamma(static_cast<size_t>(p.c)), dbeta(static_cast<size_t>(p.c));
  for (int64_t ch = 0; ch < p.c; ++ch) {
    float sum = 0, sq = 0;
    for (int64_t j = 0; j < m; ++j) sum += x[at(ch, j)];
    const float mean = sum / static_cast<float>(m);
    for (int64_t j = 0; j < m; ++j)
      sq += v.one_pass ? x[at(ch, j)] * x[at(ch, j)] : (x[at(ch, j)] - mean) * (x[at(ch, j)] - mean);
    float var = sq / static_cast<float>(v.unbiased ? m - 1 : m);
    if (v.one_pass) var -= mean * mean;
    const float inv = 1.0f / std::sqrt(var + static_cast<float>(v.eps));
    const float gamma = in[1].data[ch], beta = in[2].data[ch];
    if (!backward) {
      for (int64_t j = 0; j < m; ++j) out[at(ch, j)] = (x[at(ch, j)] - mean) * inv * gamma + beta;
      continue;
    }
    const auto& dy = in[3].data;
    float sdy = 0, sdyx = 0;
    for (int64_t j = 0; j < m; ++j) {
      sdy += dy[at(ch, j)];
      sdyx += dy[at(ch, j)] * (x[at(ch, j)] - mean) * inv;
    }
    dbeta[ch] = sdy;
    dgamma[ch] = sdyx;
    for (int64_t j = 0; j < m; ++j) {
      const float xhat = (x[at(ch, j)] - mean) * inv;
      out[at(ch, j)] = gamma * inv / static_cast<float>(m) * (static_cast<float>(m) * dy[at(ch, j)] - sdy - xhat * sdyx);
    }
  }
  if (!backward) return {out};
  return {out, dgamma, dbeta};
}

TEST(BatchNormOp, ForwardNormalisesEachChannelWithItsBatchStatistics) {
  const OpDef& op = find_op("batch_norm");
  // n = 2, c = 2, one pixel: channel 0 holds {1, 3}, channel 1 {10, 30}.
  const auto y = op.reference(make_case("batch_norm", bn(2, 2, 1, 1)),
                              {{"X", {2, 2, 1, 1}, {1, 10, 3, 30}}, {"gamma", {2}, {2, 1}}, {"beta", {2}, {0.5f, -1}}});
  EXPECT_EQ(y.at(0).name, "Y");
  const double s0 = std::sqrt(1 + 1e-5), s1 = std::sqrt(100 + 1e-5);  // biased variances 1 and 100
  EXPECT_NEAR(y[0].data[0], 0.5 - 2 / s0, 1e-6);
  EXPECT_NEAR(y[0].data[2], 0.5 + 2 / s0, 1e-6);
  EXPECT_NEAR(y[0].data[1], -1 - 10 / s1, 1e-6);
  EXPECT_NEAR(y[0].data[3], -1 + 10 / s1, 1e-6);
}

TEST(BatchNormOp, BackwardMatchesHandComputedValues) {
  const OpDef& op = find_op("batch_norm");
  const CaseSpec c = make_case("batch_norm", bn(1, 1, 1, 2), "backward");
  const HostTensor x{"X", {1, 1, 1, 2}, {1, 3}}, gamma{"gamma", {1}, {2}}, beta{"beta", {1}, {0.5f}};
  // dY constant: only beta moves; Y's mean is fixed, so dX and dGamma vanish.
  auto g = op.reference(c, {x, gamma, beta, {"dY", {1, 1, 1, 2}, {1, 1}}});
  EXPECT_EQ(op_checks::names(g), (std::vector<std::string>{"dX", "dGamma", "dBeta"}));
  EXPECT_EQ(g[1].shape, (std::vector<int64_t>{1}));
  EXPECT_NEAR(g[0].data[0], 0, 1e-7);
  EXPECT_NEAR(g[0].data[1], 0, 1e-7);
  EXPECT_NEAR(g[1].data[0], 0, 1e-7);
  EXPECT_NEAR(g[2].data[0], 2, 1e-7);
  // dY = [1, -1] with x̂ = ∓1/s: dGamma = -2/s, and dX = γ/s·(1 - 1/s²)·[1, -1] is eps's
  // effect alone: normalisation leaves nothing else to change.
  g = op.reference(c, {x, gamma, beta, {"dY", {1, 1, 1, 2}, {1, -1}}});
  const double s = std::sqrt(1 + 1e-5);
  EXPECT_NEAR(g[1].data[0], -2 / s, 1e-6);
  EXPECT_NEAR(g[2].data[0], 0, 1e-7);
  EXPECT_NEAR(g[0].data[0], 2 / s * (1 - 1 / (s * s)), 1e-9);
  EXPECT_NEAR(g[0].data[1], -2 / s * (1 - 1 / (s * s)), 1e-9);
}

TEST(BatchNormOp, BackwardMatchesFiniteDifferences) {
  const OpDef& op = find_op("batch_norm");
  for (const nlohmann::json& p : {bn(2, 3, 3, 4), bn(5, 2, 1, 1), bn(1, 2, 4, 3)})
    for (size_t i = 0; i < 3; ++i) op_checks::expect_gradient_matches_differences(op, p, i, i, 1e-2);
}

TEST(BatchNormOp, InputsAreNamedSeededAndOrdered) {
  const OpDef& op = find_op("batch_norm");
  const auto fwd = op.make_inputs(make_case("batch_norm", bn(2, 3, 4, 5)));
  const auto bwd = op.make_inputs(make_case("batch_norm", bn(2, 3, 4, 5), "backward"));
  EXPECT_EQ(op_checks::names(fwd), (std::vector<std::string>{"X", "gamma", "beta"}));
  EXPECT_EQ(op_checks::names(bwd), (std::vector<std::string>{"X", "gamma", "beta", "dY"}));
  EXPECT_EQ(fwd[1].shape, (std::vector<int64_t>{3}));
  EXPECT_EQ(bwd[3].shape, (std::vector<int64_t>{2, 3, 4, 5}));
  for (size_t i = 0; i < 3; ++i) EXPECT_EQ(fwd[i].data, bwd[i].data);
  for (float g : fwd[1].data) EXPECT_GE(g, 0.5f);
}

// Sequential float32 sums, one-pass or two-pass variance, at a realistic size (M = 16384).
TEST(BatchNormOp, Float32ImplementationsPassWithMargin) {
  const OpDef& op = find_op("batch_norm");
  const nlohmann::json p = bn(64, 4, 16, 16);
  for (const char* dir : {"forward", "backward"})
    for (bool one_pass : {false, true}) {
      SCOPED_TRACE(std::string(dir) + (one_pass ? " one-pass" : " two-pass"));
      const CaseSpec c = make_case("batch_norm", p, dir);
      const auto in = op.make_inputs(c);
      const Validation v = op.check(c, in, op.reference(c, in),
                                    float32_batch_norm(parse_batch_norm_params(p), in, c.direction == "backward",
                                                       {.one_pass = one_pass}));
      EXPECT_TRUE(v.passed) << v.max_rel_error << " > " << v.tolerance << " " << v.detail;
      EXPECT_LT(v.max_rel_error, v.tolerance / 4) << v.detail;
    }
}

// What a backend gets wrong when it keeps a framework default: TF/Keras eps 1e-3 (caught at
// realistic M), the unbiased variance (a 1/(2M) effect, caught at small M), channels-last data.
TEST(BatchNormOp, ConventionMistakesFailTheCheck) {
  const OpDef& op = find_op("batch_norm");
  auto fails = [&](const nlohmann::json& p, const char* dir, Variant v) {
    const CaseSpec c = make_case("batch_norm", p, dir);
    const auto in = op.make_inputs(c);
    const Validation r = op.check(c, in, op.reference(c, in),
                                  float32_batch_norm(parse_batch_norm_params(p), in, c.direction == "backward", v));
    return !r.passed;
  };
  for (const char* dir : {"forward", "backward"}) {
    SCOPED_TRACE(dir);
    EXPECT_TRUE(fails(bn(64, 4, 16, 16), dir, {.eps = 1e-3}));
    EXPECT_TRUE(fails(bn(8, 3, 2, 2), dir, {.unbiased = true}));
    EXPECT_TRUE(fails(bn(4, 3, 4, 4), dir, {.nhwc = true}));
    EXPECT_FALSE(fails(bn(4, 3, 4, 4), dir, {}));
  }
}

TEST(BatchNormOp, CheckPassesTheReferenceAndFailsCorruptedResults) {
  for (const char* dir : {"forward", "backward"})
    op_checks::expect_check_rejects_corruption(find_op("batch_norm"), make_case("batch_norm", bn(3, 4, 5, 2), dir));
}

TEST(BatchNormOp, BadParametersAreRejectedWithTheirName) {
  const OpDef& op = find_op("batch_norm");
  EXPECT_NE(rejection(op, bn(1, 3, 1, 1)).find("n·h·w must be at least 2"), std::string::npos);
  EXPECT_NE(rejection(op, bn(2, 0, 1, 1)).find("--c 0 is out of range"), std::string::npos);
  EXPECT_NE(rejection(op, {{"n", 2}, {"c", 3}, {"h", 4}}).find("needs --w"), std::string::npos);
  nlohmann::json eps = bn(2, 3, 4, 4);
  eps["eps"] = 1e-3;
  EXPECT_NE(rejection(op, eps).find("unknown parameter 'eps'"), std::string::npos);
  EXPECT_NE(rejection(op, bn(1024, 1024, 64, 64)).find("GiB"), std::string::npos);
  EXPECT_EQ(rejection(op, bn(2, 1, 1, 1)), "no error");
}

TEST(BatchNormOp, DescribesItselfAndCountsWork) {
  const OpDef& op = find_op("batch_norm");
  EXPECT_TRUE(op.has_backward());
  EXPECT_EQ(op.shape_label(bn(64, 16, 32, 32)), "n64-c16-h32-w32");
  EXPECT_DOUBLE_EQ(op.flops(bn(2, 3, 4, 5)), 8.0 * 120);
  EXPECT_DOUBLE_EQ(op.bytes(bn(2, 3, 4, 5)), 4.0 * (2 * 120 + 2 * 3));
}

}  // namespace
}  // namespace versus
