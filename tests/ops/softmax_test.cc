// softmax over the last axis: hand-computed references, the gradient against finite
// differences, a naive float32 implementation within tolerance, a wrong axis rejected.
#include <gtest/gtest.h>

#include <cmath>

#include "op_checks.h"

namespace versus {
namespace {

using op_checks::make_case;

nlohmann::json shape(int64_t rows, int64_t cols) { return {{"rows", rows}, {"cols", cols}}; }

TEST(SoftmaxOp, ForwardReferenceMatchesHandComputedValues) {
  const OpDef& op = find_op("softmax");
  // Rows: [0, ln 3] -> [1/4, 3/4]; equal logits -> uniform, even where exp would overflow.
  const std::vector<HostTensor> in = {{"X", {3, 2}, {0, std::log(3.0f), 1, 1, 1000, 1000}}};
  const auto y = op.reference(make_case("softmax", shape(3, 2)), in);
  EXPECT_EQ(op_checks::names(y), (std::vector<std::string>{"Y"}));
  EXPECT_EQ(y[0].shape, (std::vector<int64_t>{3, 2}));
  const std::vector<float> want = {0.25f, 0.75f, 0.5f, 0.5f, 0.5f, 0.5f};
  for (size_t i = 0; i < want.size(); ++i) EXPECT_NEAR(y[0].data[i], want[i], 1e-7) << i;
}

TEST(SoftmaxOp, BackwardReferenceMatchesHandComputedValues) {
  const OpDef& op = find_op("softmax");
  // Y = [1/4, 3/4], dY = [1, 0]: Σ dY·Y = 1/4, dX = Y·(dY - 1/4) = [3/16, -3/16].
  const std::vector<HostTensor> in = {{"X", {1, 2}, {0, std::log(3.0f)}}, {"dY", {1, 2}, {1, 0}}};
  const auto g = op.reference(make_case("softmax", shape(1, 2), "backward"), in);
  EXPECT_EQ(op_checks::names(g), (std::vector<std::string>{"dX"}));
  EXPECT_NEAR(g[0].data[0], 0.1875f, 1e-7);
  EXPECT_NEAR(g[0].data[1], -0.1875f, 1e-7);
}

TEST(SoftmaxOp, BackwardMatchesFiniteDifferencesOfForward) {
  op_checks::expect_gradient_matches_differences(find_op("softmax"), shape(3, 7), 0, 0, 1e-2);
}

TEST(SoftmaxOp, InputsAreNamedAndShaped) {
  const auto in = find_op("softmax").make_inputs(make_case("softmax", shape(3, 5), "backward"));
  EXPECT_EQ(op_checks::names(in), (std::vector<std::string>{"X", "dY"}));
  EXPECT_EQ(in[1].shape, (std::vector<int64_t>{3, 5}));
  for (float x : in[0].data) EXPECT_TRUE(x >= -4 && x < 4);
}

TEST(SoftmaxOp, CheckPassesTheReferenceAndFailsCorruptedResults) {
  for (const char* dir : {"forward", "backward"})
    op_checks::expect_check_rejects_corruption(find_op("softmax"), make_case("softmax", shape(4, 33), dir));
}

// What a framework without any care for accuracy computes: float32 throughout, sequential sums.
std::vector<float> naive_float32(const std::vector<HostTensor>& in, int64_t rows, int64_t cols,
                                 bool backward) {
  std::vector<float> out(static_cast<size_t>(rows * cols));
  for (int64_t i = 0; i < rows; ++i) {
    const float* x = &in[0].data[i * cols];
    float m = x[0], sum = 0, dot = 0;
    for (int64_t j = 0; j < cols; ++j) m = std::max(m, x[j]);
    for (int64_t j = 0; j < cols; ++j) sum += std::exp(x[j] - m);
    for (int64_t j = 0; j < cols; ++j) out[i * cols + j] = std::exp(x[j] - m) / sum;
    if (!backward) continue;
    const float* dy = &in[1].data[i * cols];
    for (int64_t j = 0; j < cols; ++j) dot += dy[j] * out[i * cols + j];
    for (int64_t j = 0; j < cols; ++j) out[i * cols + j] *= dy[j] - dot;
  }
  return out;
}

TEST(SoftmaxOp, NaiveFloat32PassesOnLongRowsAndSaturatedOnes) {
  const OpDef& op = find_op("softmax");
  for (const auto& [rows, cols] : {std::pair<int64_t, int64_t>{8, 50000}, {64, 10}})
    for (bool backward : {false, true}) {
      const CaseSpec c = make_case("softmax", shape(rows, cols), backward ? "backward" : "forward");
      const auto in = op.make_inputs(c);
      const Validation v = op.check(c, in, op.reference(c, in), {naive_float32(in, rows, cols, backward)});
      EXPECT_TRUE(v.passed) << cols << " " << backward << ": " << v.detail << " " << v.max_rel_error;
      EXPECT_GT(v.max_rel_error, 0.0);
    }
  // One saturated row, where dX at the dominant class cancels almost entirely.
  const CaseSpec c = make_case("softmax", shape(1, 2), "backward");
  const std::vector<HostTensor> in = {{"X", {1, 2}, {4, -4}}, {"dY", {1, 2}, {0.3f, -0.7f}}};
  const Validation v = op.check(c, in, op.reference(c, in), {naive_float32(in, 1, 2, true)});
  EXPECT_TRUE(v.passed) << v.detail << " " << v.max_rel_error;
}

TEST(SoftmaxOp, CheckRejectsTheWrongAxis) {
  const OpDef& op = find_op("softmax");
  const CaseSpec c = make_case("softmax", shape(16, 16));
  const auto in = op.make_inputs(c);
  // softmax over columns: the transpose's softmax, transposed back.
  std::vector<HostTensor> t = {{"X", {16, 16}, std::vector<float>(256)}};
  for (int i = 0; i < 16; ++i)
    for (int j = 0; j < 16; ++j) t[0].data[j * 16 + i] = in[0].data[i * 16 + j];
  const auto yt = op.reference(c, t)[0].data;
  std::vector<float> wrong(256);
  for (int i = 0; i < 16; ++i)
    for (int j = 0; j < 16; ++j) wrong[i * 16 + j] = yt[j * 16 + i];
  const Validation v = op.check(c, in, op.reference(c, in), {wrong});
  EXPECT_FALSE(v.passed);
  EXPECT_GT(v.max_rel_error, 1000 * v.tolerance);
}

TEST(SoftmaxOp, BadParametersAreRejectedWithTheirName) {
  const OpDef& op = find_op("softmax");
  EXPECT_NE(op_checks::rejection(op, shape(0, 5)).find("--rows 0 is out of range"), std::string::npos);
  EXPECT_NE(op_checks::rejection(op, shape(5, -1)).find("--cols -1 is out of range"), std::string::npos);
  EXPECT_NE(op_checks::rejection(op, {{"rows", 5}}).find("needs --cols"), std::string::npos);
  EXPECT_NE(op_checks::rejection(op, {{"rows", 5}, {"cols", 5}, {"n", 3}}).find("unknown parameter 'n'"),
            std::string::npos);
  EXPECT_NE(op_checks::rejection(op, shape(1 << 20, 1 << 20)).find("GiB"), std::string::npos);
  EXPECT_EQ(op_checks::rejection(op, shape(128, 1000)), "no error");
}

TEST(SoftmaxOp, DescribesItselfAndCountsWork) {
  const OpDef& op = find_op("softmax");
  EXPECT_TRUE(op.has_backward());
  EXPECT_NE(op.description().find("backward"), std::string::npos);
  EXPECT_EQ(op.shape_label(shape(128, 1000)), "r128-c1000");
  EXPECT_DOUBLE_EQ(op.flops(shape(2, 3)), 5.0 * 6);
  EXPECT_DOUBLE_EQ(op.bytes(shape(2, 3)), 4.0 * 12);
}

}  // namespace
}  // namespace versus
