// layer_norm over the last axis: hand-computed values, every gradient against finite
// differences, a naive float32 implementation within tolerance, normalising the wrong axis and
// the wrong eps rejected, bad parameters named.
#include <gtest/gtest.h>

#include <cmath>

#include "op_checks.h"

namespace versus {
namespace {

using op_checks::make_case;

nlohmann::json shape(int64_t rows, int64_t cols) { return {{"rows", rows}, {"cols", cols}}; }

TEST(LayerNormOp, ForwardReferenceMatchesHandComputedValues) {
  const OpDef& op = find_op("layer_norm");
  // Row [1, 3]: mean 2, var 1, x̂ = [-1, 1]/sqrt(1 + 1e-5); γ = [2, 1], β = [0, 10].
  const std::vector<HostTensor> in = {{"X", {1, 2}, {1, 3}}, {"gamma", {2}, {2, 1}}, {"beta", {2}, {0, 10}}};
  const auto y = op.reference(make_case("layer_norm", shape(1, 2)), in);
  const double s = 1 / std::sqrt(1 + 1e-5);
  EXPECT_NEAR(y[0].data[0], -2 * s, 1e-6);
  EXPECT_NEAR(y[0].data[1], 10 + s, 1e-6);
}

TEST(LayerNormOp, EveryGradientMatchesFiniteDifferences) {
  const OpDef& op = find_op("layer_norm");
  for (size_t input = 0; input < 3; ++input)
    op_checks::expect_gradient_matches_differences(op, shape(3, 7), input, input, 1e-2);
}

TEST(LayerNormOp, CheckPassesTheReferenceAndFailsCorruptedResults) {
  for (const char* dir : {"forward", "backward"})
    op_checks::expect_check_rejects_corruption(find_op("layer_norm"), make_case("layer_norm", shape(9, 33), dir));
}

// float32 throughout, two-pass statistics, sequential sums: what a careless backend computes.
std::vector<std::vector<float>> naive_float32(const std::vector<HostTensor>& in, int64_t rows, int64_t cols,
                                              bool backward, float eps = 1e-5f) {
  std::vector<float> out(static_cast<size_t>(rows * cols)), dg(static_cast<size_t>(cols)), db(dg.size());
  for (int64_t i = 0; i < rows; ++i) {
    const float* x = &in[0].data[i * cols];
    float mean = 0, var = 0;
    for (int64_t j = 0; j < cols; ++j) mean += x[j];
    mean /= static_cast<float>(cols);
    for (int64_t j = 0; j < cols; ++j) var += (x[j] - mean) * (x[j] - mean);
    var /= static_cast<float>(cols);
    const float r = 1.0f / std::sqrt(var + eps);
    if (!backward) {
      for (int64_t j = 0; j < cols; ++j) out[i * cols + j] = in[1].data[j] * (x[j] - mean) * r + in[2].data[j];
      continue;
    }
    const float* dy = &in[3].data[i * cols];
    float sg = 0, sgx = 0;
    for (int64_t j = 0; j < cols; ++j) {
      const float xh = (x[j] - mean) * r, g = dy[j] * in[1].data[j];
      sg += g;
      sgx += g * xh;
      dg[j] += dy[j] * xh;
      db[j] += dy[j];
    }
    for (int64_t j = 0; j < cols; ++j) {
      const float xh = (x[j] - mean) * r;
      out[i * cols + j] = r * (dy[j] * in[1].data[j] - sg / cols - xh * sgx / cols);
    }
  }
  if (!backward) return {out};
  return {out, dg, db};
}

TEST(LayerNormOp, NaiveFloat32PassesAndTheWrongEpsFails) {
  const OpDef& op = find_op("layer_norm");
  for (const auto& [rows, cols] : {std::pair<int64_t, int64_t>{4, 4096}, {2000, 16}})
    for (bool backward : {false, true}) {
      const CaseSpec c = make_case("layer_norm", shape(rows, cols), backward ? "backward" : "forward");
      const auto in = op.make_inputs(c);
      const auto refs = op.reference(c, in);
      const Validation v = op.check(c, in, refs, naive_float32(in, rows, cols, backward));
      EXPECT_TRUE(v.passed) << rows << "x" << cols << " " << backward << ": " << v.detail << " " << v.max_rel_error;
      if (backward) continue;
      // Keras's default eps of 1e-3 instead of 1e-5.
      const Validation w = op.check(c, in, refs, naive_float32(in, rows, cols, false, 1e-3f));
      EXPECT_FALSE(w.passed) << rows << "x" << cols << ": eps 1e-3 passed";
    }
}

TEST(LayerNormOp, CheckRejectsNormalisingColumnsInsteadOfRows) {
  const OpDef& op = find_op("layer_norm");
  const CaseSpec c = make_case("layer_norm", shape(16, 16));
  auto in = op.make_inputs(c);
  std::vector<HostTensor> t = in;
  for (int i = 0; i < 16; ++i)
    for (int j = 0; j < 16; ++j) t[0].data[j * 16 + i] = in[0].data[i * 16 + j];
  for (auto& v : t[1].data) v = 1;
  for (auto& v : t[2].data) v = 0;
  const auto yt = op.reference(c, t)[0].data;
  std::vector<float> wrong(256);
  for (int i = 0; i < 16; ++i)
    for (int j = 0; j < 16; ++j) wrong[i * 16 + j] = in[1].data[j] * yt[j * 16 + i] + in[2].data[j];
  const Validation v = op.check(c, in, op.reference(c, in), {wrong});
  EXPECT_FALSE(v.passed);
}

TEST(LayerNormOp, BadParametersAreRejectedWithTheirName) {
  const OpDef& op = find_op("layer_norm");
  EXPECT_NE(op_checks::rejection(op, shape(4, 1)).find("--cols 1 is out of range"), std::string::npos);
  EXPECT_NE(op_checks::rejection(op, {{"rows", 4}}).find("needs --cols"), std::string::npos);
  EXPECT_NE(op_checks::rejection(op, {{"rows", 4}, {"cols", 8}, {"impl", "fused"}}).find("impl"), std::string::npos);
  EXPECT_NE(op_checks::rejection(op, shape(1 << 20, 1 << 20)).find("GiB"), std::string::npos);
  EXPECT_EQ(op_checks::rejection(op, {{"rows", 4}, {"cols", 8}, {"impl", "composed"}}), "no error");
}

TEST(LayerNormOp, DescribesItselfAndCountsWork) {
  const OpDef& op = find_op("layer_norm");
  EXPECT_TRUE(op.has_backward());
  EXPECT_EQ(op.shape_label(shape(128, 512)), "r128-c512");
  EXPECT_EQ(op.shape_label({{"rows", 2}, {"cols", 3}, {"impl", "composed"}}), "r2-c3-composed");
  EXPECT_DOUBLE_EQ(op.flops(shape(2, 3)), 8.0 * 6);
}

}  // namespace
}  // namespace versus
