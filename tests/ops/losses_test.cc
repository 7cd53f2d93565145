// softmax_cross_entropy, binary_cross_entropy, mse: hand-computed losses and gradients,
// gradients against finite differences of the loss, naive float32 within tolerance.
#include <gtest/gtest.h>

#include <cmath>

#include "op_checks.h"

namespace versus {
namespace {

using op_checks::make_case;

nlohmann::json sce_shape(int64_t batch, int64_t classes) { return {{"batch", batch}, {"classes", classes}}; }

TEST(LossOps, SoftmaxCrossEntropyMatchesHandComputedValues) {
  const OpDef& op = find_op("softmax_cross_entropy");
  // Row 0: softmax [1/4, 3/4], label 1 -> -ln(3/4); row 1: equal logits, label 0 -> ln 2.
  const std::vector<HostTensor> in = {{"logits", {2, 2}, {0, std::log(3.0f), 5, 5}},
                                      {"labels", {2, 2}, {0, 1, 1, 0}}};
  const auto loss = op.reference(make_case(op.name(), sce_shape(2, 2)), in);
  EXPECT_EQ(op_checks::names(loss), (std::vector<std::string>{"loss"}));
  EXPECT_EQ(loss[0].shape, (std::vector<int64_t>{1}));
  EXPECT_NEAR(loss[0].data[0], (-std::log(0.75) + std::log(2.0)) / 2, 1e-7);
  // (softmax - labels) / batch = [[1/4, -1/4], [-1/2, 1/2]] / 2.
  const auto g = op.reference(make_case(op.name(), sce_shape(2, 2), "backward"), in);
  EXPECT_EQ(op_checks::names(g), (std::vector<std::string>{"dLogits"}));
  const std::vector<float> want = {0.125f, -0.125f, -0.25f, 0.25f};
  for (size_t i = 0; i < want.size(); ++i) EXPECT_NEAR(g[0].data[i], want[i], 1e-7) << i;
}

TEST(LossOps, BinaryCrossEntropyMatchesHandComputedValues) {
  const OpDef& op = find_op("binary_cross_entropy");
  const std::vector<HostTensor> in = {{"P", {2}, {0.5f, 0.8f}}, {"T", {2}, {1, 0}}};
  // -(ln 0.5 + ln 0.2) / 2;  dP = (P - T) / (P(1-P)) / 2 = [-0.5/0.25, 0.8/0.16] / 2.
  const float p1 = 0.8f;  // the float nearest 0.8, as the reference sees it
  EXPECT_NEAR(op.reference(make_case(op.name(), {{"n", 2}}), in)[0].data[0],
              -(std::log(0.5) + std::log(1.0 - p1)) / 2, 1e-6);
  const auto g = op.reference(make_case(op.name(), {{"n", 2}}, "backward"), in);
  EXPECT_EQ(op_checks::names(g), (std::vector<std::string>{"dP"}));
  EXPECT_NEAR(g[0].data[0], -1.0, 1e-6);
  EXPECT_NEAR(g[0].data[1], 2.5, 1e-5);
}

TEST(LossOps, MseMatchesHandComputedValues) {
  const OpDef& op = find_op("mse");
  const std::vector<HostTensor> in = {{"X", {2}, {1, 2}}, {"Yt", {2}, {0, 4}}};
  EXPECT_EQ(op.reference(make_case("mse", {{"n", 2}}), in)[0].data[0], 2.5f);  // (1 + 4) / 2
  const auto g = op.reference(make_case("mse", {{"n", 2}}, "backward"), in);
  EXPECT_EQ(op_checks::names(g), (std::vector<std::string>{"dX"}));
  EXPECT_EQ(g[0].data, (std::vector<float>{1, -2}));  // 2(X - Yt) / 2
}

TEST(LossOps, GradientsMatchFiniteDifferencesOfTheLoss) {
  op_checks::expect_gradient_matches_differences(find_op("softmax_cross_entropy"), sce_shape(3, 5), 0, 0,
                                                 1e-2);
  // P reaches 0.05 where log's third derivative is ~16000: a smaller step keeps truncation small.
  op_checks::expect_gradient_matches_differences(find_op("binary_cross_entropy"), {{"n", 16}}, 0, 0, 1e-3);
  op_checks::expect_gradient_matches_differences(find_op("mse"), {{"n", 16}}, 0, 0, 1e-2);
}

TEST(LossOps, InputsAreNamedAndInRange) {
  const OpDef& sce = find_op("softmax_cross_entropy");
  const auto in = sce.make_inputs(make_case(sce.name(), sce_shape(200, 7), "backward"));
  EXPECT_EQ(op_checks::names(in), (std::vector<std::string>{"logits", "labels"}));  // no dY
  std::vector<int> per_class(7, 0);
  for (int i = 0; i < 200; ++i) {
    int ones = 0;
    for (int j = 0; j < 7; ++j) {
      const float y = in[1].data[i * 7 + j];
      ASSERT_TRUE(y == 0 || y == 1);
      ones += y == 1;
      per_class[j] += y == 1;
    }
    EXPECT_EQ(ones, 1) << "row " << i;
  }
  for (int count : per_class) EXPECT_GT(count, 10);
  EXPECT_EQ(sce.make_inputs(make_case(sce.name(), sce_shape(200, 7)))[1].data, in[1].data);

  const auto bce =
      find_op("binary_cross_entropy").make_inputs(make_case("binary_cross_entropy", {{"n", 1000}}));
  EXPECT_EQ(op_checks::names(bce), (std::vector<std::string>{"P", "T"}));
  int ones = 0;
  for (size_t i = 0; i < 1000; ++i) {
    EXPECT_TRUE(bce[0].data[i] >= 0.05f && bce[0].data[i] < 0.95f);
    EXPECT_TRUE(bce[1].data[i] == 0 || bce[1].data[i] == 1);
    ones += bce[1].data[i] == 1;
  }
  EXPECT_NEAR(ones, 500, 60);
  EXPECT_EQ(op_checks::names(find_op("mse").make_inputs(make_case("mse", {{"n", 3}}, "backward"))),
            (std::vector<std::string>{"X", "Yt"}));
}

TEST(LossOps, CheckPassesTheReferenceAndFailsCorruptedResults) {
  for (const char* dir : {"forward", "backward"}) {
    op_checks::expect_check_rejects_corruption(find_op("softmax_cross_entropy"),
                                               make_case("softmax_cross_entropy", sce_shape(4, 9), dir));
    op_checks::expect_check_rejects_corruption(find_op("binary_cross_entropy"),
                                               make_case("binary_cross_entropy", {{"n", 40}}, dir));
    op_checks::expect_check_rejects_corruption(find_op("mse"), make_case("mse", {{"n", 40}}, dir));
  }
}

// softmax cross-entropy as a careless float32 framework computes it: log-softmax with
// sequential float32 sums, then the mean.
std::vector<std::vector<float>> naive_sce(const std::vector<HostTensor>& in, int64_t batch, int64_t classes,
                                          bool backward) {
  std::vector<float> grad(static_cast<size_t>(batch * classes));
  float loss = 0;
  for (int64_t i = 0; i < batch; ++i) {
    const float* x = &in[0].data[i * classes];
    const float* y = &in[1].data[i * classes];
    float m = x[0], sum = 0;
    for (int64_t j = 0; j < classes; ++j) m = std::max(m, x[j]);
    for (int64_t j = 0; j < classes; ++j) sum += std::exp(x[j] - m);
    const float lse = m + std::log(sum);
    for (int64_t j = 0; j < classes; ++j) {
      loss += y[j] * (lse - x[j]);
      grad[i * classes + j] = (std::exp(x[j] - m) / sum - y[j]) / static_cast<float>(batch);
    }
  }
  if (backward) return {grad};
  return {{loss / static_cast<float>(batch)}};
}

TEST(LossOps, NaiveFloat32SoftmaxCrossEntropyPasses) {
  const OpDef& op = find_op("softmax_cross_entropy");
  for (const auto& [batch, classes] : {std::pair<int64_t, int64_t>{64, 1000}, {1024, 10}, {2, 30000}})
    for (bool backward : {false, true}) {
      const CaseSpec c = make_case(op.name(), sce_shape(batch, classes), backward ? "backward" : "forward");
      const auto in = op.make_inputs(c);
      const Validation v = op.check(c, in, op.reference(c, in), naive_sce(in, batch, classes, backward));
      EXPECT_TRUE(v.passed) << batch << "x" << classes << " " << backward << ": " << v.detail;
    }
  // A confident, correct prediction: the loss (~3e-4) is a cancellation of two ~4s.
  for (bool backward : {false, true}) {
    const CaseSpec c = make_case(op.name(), sce_shape(1, 2), backward ? "backward" : "forward");
    const std::vector<HostTensor> in = {{"logits", {1, 2}, {4, -4}}, {"labels", {1, 2}, {1, 0}}};
    const Validation v = op.check(c, in, op.reference(c, in), naive_sce(in, 1, 2, backward));
    EXPECT_TRUE(v.passed) << backward << ": " << v.detail << " " << v.max_rel_error;
  }
}

TEST(LossOps, NaiveFloat32ElementLossesPass) {
  for (const char* name : {"binary_cross_entropy", "mse"}) {
    const OpDef& op = find_op(name);
    const int64_t n = 1 << 20;
    for (bool backward : {false, true}) {
      const CaseSpec c = make_case(name, {{"n", n}}, backward ? "backward" : "forward");
      const auto in = op.make_inputs(c);
      float sum = 0;
      std::vector<float> grad(static_cast<size_t>(n));
      for (int64_t i = 0; i < n; ++i) {
        const float p = in[0].data[i], t = in[1].data[i];
        const bool bce = std::string(name) == "binary_cross_entropy";
        sum += bce ? -(t * std::log(p) + (1 - t) * std::log(1 - p)) : (p - t) * (p - t);
        grad[i] = (bce ? (p - t) / (p * (1 - p)) : 2 * (p - t)) / static_cast<float>(n);
      }
      const std::vector<std::vector<float>> got = {
          backward ? grad : std::vector<float>{sum / static_cast<float>(n)}};
      const Validation v = op.check(c, in, op.reference(c, in), got);
      EXPECT_TRUE(v.passed) << name << " " << backward << ": " << v.detail;
    }
  }
}

TEST(LossOps, CheckRejectsSumInsteadOfMean) {
  const OpDef& op = find_op("mse");
  const CaseSpec c = make_case("mse", {{"n", 100}});
  const auto in = op.make_inputs(c);
  const auto ref = op.reference(c, in);
  EXPECT_FALSE(op.check(c, in, ref, {{ref[0].data[0] * 100}}).passed);
}

TEST(LossOps, BadParametersAreRejectedWithTheirName) {
  const OpDef& sce = find_op("softmax_cross_entropy");
  EXPECT_NE(op_checks::rejection(sce, sce_shape(8, 1)).find("--classes 1 is out of range; use 2.."),
            std::string::npos);
  EXPECT_NE(op_checks::rejection(sce, sce_shape(0, 10)).find("--batch 0 is out of range"), std::string::npos);
  EXPECT_NE(op_checks::rejection(sce, {{"classes", 10}}).find("needs --batch"), std::string::npos);
  EXPECT_NE(op_checks::rejection(sce, {{"rows", 8}, {"cols", 10}}).find("unknown parameter"),
            std::string::npos);
  EXPECT_NE(op_checks::rejection(sce, sce_shape(1 << 20, 1 << 20)).find("GiB"), std::string::npos);
  EXPECT_EQ(op_checks::rejection(sce, sce_shape(64, 1000)), "no error");
  for (const char* name : {"binary_cross_entropy", "mse"}) {
    const OpDef& op = find_op(name);
    EXPECT_NE(op_checks::rejection(op, {{"n", -4}}).find("--n -4 is out of range"), std::string::npos);
    EXPECT_NE(op_checks::rejection(op, {{"n", 2.5}}).find("--n must be an integer"), std::string::npos);
    EXPECT_NE(op_checks::rejection(op, {{"n", int64_t{1} << 30}}).find("GiB"), std::string::npos);
    EXPECT_EQ(op_checks::rejection(op, {{"n", 1000}}), "no error");
  }
}

TEST(LossOps, DescribeThemselvesAndCountWork) {
  for (const char* name : {"softmax_cross_entropy", "binary_cross_entropy", "mse"}) {
    const OpDef& op = find_op(name);
    EXPECT_EQ(op.name(), name);
    EXPECT_TRUE(op.has_backward());
    EXPECT_NE(op.description().find("upstream gradient 1"), std::string::npos);
  }
  const OpDef& sce = find_op("softmax_cross_entropy");
  EXPECT_EQ(sce.shape_label(sce_shape(64, 1000)), "b64-c1000");
  EXPECT_DOUBLE_EQ(sce.bytes(sce_shape(2, 3)), 4.0 * (12 + 1));
  EXPECT_DOUBLE_EQ(sce.flops(sce_shape(2, 3)), 5.0 * 6 + 2 * 2);
  EXPECT_EQ(find_op("mse").shape_label({{"n", 77}}), "n77");
  EXPECT_DOUBLE_EQ(find_op("mse").flops({{"n", 10}}), 30);
  EXPECT_DOUBLE_EQ(find_op("binary_cross_entropy").bytes({{"n", 10}}), 4.0 * 21);
}

}  // namespace
}  // namespace versus
