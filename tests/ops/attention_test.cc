// attention: a hand-computed case, every gradient against finite differences under each mask, a
// naive float32 implementation within tolerance, and the classic mistakes (no 1/√d, the causal
// mask ignored, padding keys attended) rejected; bad parameters named.
#include <gtest/gtest.h>

#include <cmath>

#include "core/ops/attention.h"
#include "op_checks.h"

namespace versus {
namespace {

using op_checks::make_case;

nlohmann::json shape(int64_t b, int64_t h, int64_t s, int64_t d, const char* mask = "none") {
  return {{"batch", b}, {"heads", h}, {"seq", s}, {"head_dim", d}, {"mask", mask}};
}

TEST(AttentionOp, ForwardReferenceMatchesHandComputedValues) {
  const OpDef& op = find_op("attention");
  // d = 1, seq 2: scores of query 0 are [0, ln 3]·1 -> P = [1/4, 3/4]; V = [4, 8] -> O = 7.
  // Query 1 (q = 0): scores [0, 0] -> P = [1/2, 1/2] -> O = 6. Causal: query 0 sees key 0 only -> O = 4.
  const std::vector<HostTensor> in = {{"Q", {1, 1, 2, 1}, {1, 0}},
                                      {"K", {1, 1, 2, 1}, {0, std::log(3.0f)}},
                                      {"V", {1, 1, 2, 1}, {4, 8}}};
  const auto o = op.reference(make_case("attention", shape(1, 1, 2, 1)), in);
  EXPECT_NEAR(o[0].data[0], 7.0, 1e-6);
  EXPECT_NEAR(o[0].data[1], 6.0, 1e-6);
  const auto causal = op.reference(make_case("attention", shape(1, 1, 2, 1, "causal")), in);
  EXPECT_NEAR(causal[0].data[0], 4.0, 1e-6);
  EXPECT_NEAR(causal[0].data[1], 6.0, 1e-6);
}

TEST(AttentionOp, EveryGradientMatchesFiniteDifferencesUnderEachMask) {
  const OpDef& op = find_op("attention");
  for (const char* mask : {"none", "causal", "padding"})
    for (size_t input = 0; input < 3; ++input)
      op_checks::expect_gradient_matches_differences(op, shape(2, 2, 5, 3, mask), input, input, 1e-2);
}

TEST(AttentionOp, PaddingMaskIsAnInputWithEachSequencesLength) {
  const OpDef& op = find_op("attention");
  const auto in = op.make_inputs(make_case("attention", shape(4, 1, 8, 2, "padding"), "backward"));
  ASSERT_EQ(op_checks::names(in), (std::vector<std::string>{"Q", "K", "V", "key_mask", "dO"}));
  float ones[4] = {};
  for (int b = 0; b < 4; ++b)
    for (int j = 0; j < 8; ++j) ones[b] += in[3].data[b * 8 + j];
  EXPECT_EQ(ones[0], 8);
  EXPECT_EQ(ones[1], 7);
  EXPECT_EQ(ones[3], 5);
}

TEST(AttentionOp, CheckPassesTheReferenceAndFailsCorruptedResults) {
  for (const char* dir : {"forward", "backward"})
    for (const char* mask : {"none", "padding"})
      op_checks::expect_check_rejects_corruption(find_op("attention"), make_case("attention", shape(2, 2, 17, 8, mask), dir));
}

// float32 throughout, sequential sums: what a careless backend computes. `scale` and `causal`
// let the tests make the classic mistakes.
std::vector<std::vector<float>> naive_float32(const AttentionParams& a, const std::vector<HostTensor>& in, bool backward,
                                              float scale, bool causal, bool padding) {
  const int64_t s = a.seq, d = a.head_dim, n = a.elements();
  std::vector<float> o(static_cast<size_t>(n)), dq(o.size()), dk(o.size()), dv(o.size());
  for (int64_t b = 0; b < a.batch; ++b)
    for (int64_t h = 0; h < a.heads; ++h) {
      const int64_t base = (b * a.heads + h) * s * d;
      const float *q = &in[0].data[base], *k = &in[1].data[base], *v = &in[2].data[base];
      std::vector<float> p(static_cast<size_t>(s * s)), dp(p.size());
      for (int64_t i = 0; i < s; ++i) {
        float m = -INFINITY, z = 0;
        for (int64_t j = 0; j < s; ++j) {
          float dot = 0;
          for (int64_t t = 0; t < d; ++t) dot += q[i * d + t] * k[j * d + t];
          const bool masked = (causal && j > i) || (padding && in[3].data[b * s + j] == 0);
          p[i * s + j] = masked ? -INFINITY : dot * scale;
          m = std::max(m, p[i * s + j]);
        }
        for (int64_t j = 0; j < s; ++j) z += p[i * s + j] = std::exp(p[i * s + j] - m);
        for (int64_t j = 0; j < s; ++j) p[i * s + j] /= z;
        for (int64_t t = 0; t < d; ++t) {
          float sum = 0;
          for (int64_t j = 0; j < s; ++j) sum += p[i * s + j] * v[j * d + t];
          o[base + i * d + t] = sum;
        }
      }
      if (!backward) continue;
      const float* g = &in.back().data[base];
      for (int64_t i = 0; i < s; ++i) {
        float delta = 0;
        for (int64_t j = 0; j < s; ++j) {
          float sum = 0;
          for (int64_t t = 0; t < d; ++t) sum += g[i * d + t] * v[j * d + t];
          dp[i * s + j] = sum;
          delta += sum * p[i * s + j];
        }
        for (int64_t j = 0; j < s; ++j) dp[i * s + j] = p[i * s + j] * (dp[i * s + j] - delta);  // now dS
      }
      for (int64_t t = 0; t < d; ++t)
        for (int64_t i = 0; i < s; ++i)
          for (int64_t j = 0; j < s; ++j) {
            dq[base + i * d + t] += dp[i * s + j] * k[j * d + t] * scale;
            dk[base + j * d + t] += dp[i * s + j] * q[i * d + t] * scale;
            dv[base + j * d + t] += p[i * s + j] * g[i * d + t];
          }
    }
  if (!backward) return {o};
  return {dq, dk, dv};
}

TEST(AttentionOp, NaiveFloat32PassesAtATransformersShape) {
  const OpDef& op = find_op("attention");
  for (const char* mask : {"none", "causal", "padding"})
    for (bool backward : {false, true}) {
      const CaseSpec c = make_case("attention", shape(2, 2, 128, 32, mask), backward ? "backward" : "forward");
      const AttentionParams a = parse_attention_params(c.params);
      const auto in = op.make_inputs(c);
      const Validation v = op.check(c, in, op.reference(c, in),
                                    naive_float32(a, in, backward, 1 / std::sqrt(32.0f), a.mask == AttentionMask::kCausal,
                                                  a.mask == AttentionMask::kPadding));
      EXPECT_TRUE(v.passed) << mask << " " << backward << ": " << v.detail << " " << v.max_rel_error;
      EXPECT_GT(v.max_rel_error, 0.0);
    }
}

TEST(AttentionOp, CheckRejectsTheClassicMistakes) {
  const OpDef& op = find_op("attention");
  for (bool backward : {false, true}) {
    for (const char* mask : {"causal", "padding"}) {
      const CaseSpec c = make_case("attention", shape(4, 2, 32, 16, mask), backward ? "backward" : "forward");
      const AttentionParams a = parse_attention_params(c.params);
      const auto in = op.make_inputs(c);
      const auto refs = op.reference(c, in);
      const bool causal = a.mask == AttentionMask::kCausal, padding = a.mask == AttentionMask::kPadding;
      EXPECT_FALSE(op.check(c, in, refs, naive_float32(a, in, backward, 1.0f, causal, padding)).passed) << "no 1/sqrt(d)";
      EXPECT_FALSE(op.check(c, in, refs, naive_float32(a, in, backward, 0.25f, false, false)).passed)
          << mask << ": the mask ignored";
    }
  }
}

TEST(AttentionOp, BadParametersAreRejectedWithTheirName) {
  const OpDef& op = find_op("attention");
  EXPECT_NE(op_checks::rejection(op, shape(1, 1, 8, 4, "diagonal")).find("--mask must be one of none, causal, padding"),
            std::string::npos);
  EXPECT_NE(op_checks::rejection(op, shape(1, 0, 8, 4)).find("--heads 0 is out of range"), std::string::npos);
  EXPECT_NE(op_checks::rejection(op, shape(64, 16, 65536, 64)).find("GiB"), std::string::npos);
  EXPECT_NE(op_checks::rejection(op, {{"batch", 1}, {"heads", 1}, {"seq", 8}}).find("needs --head_dim"), std::string::npos);
  EXPECT_EQ(op_checks::rejection(op, shape(8, 4, 2048, 32, "causal")), "no error");
}

TEST(AttentionOp, DescribesItselfAndCountsWork) {
  const OpDef& op = find_op("attention");
  EXPECT_TRUE(op.has_backward());
  EXPECT_EQ(op.shape_label(shape(2, 4, 128, 32, "padding")), "b2-h4-s128-d32-padding");
  nlohmann::json composed = shape(2, 4, 128, 32);
  composed["impl"] = "composed";
  EXPECT_EQ(op.shape_label(composed), "b2-h4-s128-d32-composed");
  // Two matmuls of 2·s²·d and 5 per score, per head.
  EXPECT_DOUBLE_EQ(op.flops(shape(1, 1, 4, 2)), 4.0 * (4 * 4 * 2) + 5.0 * 16);
}

}  // namespace
}  // namespace versus
