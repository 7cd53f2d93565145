// reduce_sum, reduce_mean over the last axis: hand-computed references, gradients against
// finite differences, a sequential float32 sum within tolerance, wrong sums rejected.
#include <gtest/gtest.h>

#include "op_checks.h"

namespace versus {
namespace {

using op_checks::make_case;

nlohmann::json shape(int64_t rows, int64_t cols) { return {{"rows", rows}, {"cols", cols}}; }

TEST(ReduceOps, ReferencesMatchHandComputedValues) {
  const std::vector<HostTensor> x = {{"X", {2, 3}, {1, 2, 3, 4, 5, -6}}};
  const auto sum = find_op("reduce_sum").reference(make_case("reduce_sum", shape(2, 3)), x);
  EXPECT_EQ(op_checks::names(sum), (std::vector<std::string>{"Y"}));
  EXPECT_EQ(sum[0].shape, (std::vector<int64_t>{2}));
  EXPECT_EQ(sum[0].data, (std::vector<float>{6, 3}));
  EXPECT_EQ(find_op("reduce_mean").reference(make_case("reduce_mean", shape(2, 3)), x)[0].data,
            (std::vector<float>{2, 1}));

  const std::vector<HostTensor> in = {x[0], {"dY", {2}, {3, -6}}};
  const auto dsum = find_op("reduce_sum").reference(make_case("reduce_sum", shape(2, 3), "backward"), in);
  EXPECT_EQ(op_checks::names(dsum), (std::vector<std::string>{"dX"}));
  EXPECT_EQ(dsum[0].shape, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(dsum[0].data, (std::vector<float>{3, 3, 3, -6, -6, -6}));
  EXPECT_EQ(find_op("reduce_mean").reference(make_case("reduce_mean", shape(2, 3), "backward"), in)[0].data,
            (std::vector<float>{1, 1, 1, -2, -2, -2}));
}

TEST(ReduceOps, BackwardMatchesFiniteDifferencesOfForward) {
  op_checks::expect_gradient_matches_differences(find_op("reduce_sum"), shape(3, 6), 0, 0, 1e-2);
  op_checks::expect_gradient_matches_differences(find_op("reduce_mean"), shape(3, 6), 0, 0, 1e-2);
}

TEST(ReduceOps, InputsAreNamedAndShaped) {
  const auto in = find_op("reduce_sum").make_inputs(make_case("reduce_sum", shape(3, 5), "backward"));
  EXPECT_EQ(op_checks::names(in), (std::vector<std::string>{"X", "dY"}));
  EXPECT_EQ(in[0].shape, (std::vector<int64_t>{3, 5}));
  EXPECT_EQ(in[1].shape, (std::vector<int64_t>{3}));
}

TEST(ReduceOps, CheckPassesTheReferenceAndFailsCorruptedResults) {
  for (const char* op : {"reduce_sum", "reduce_mean"})
    for (const char* dir : {"forward", "backward"})
      op_checks::expect_check_rejects_corruption(find_op(op), make_case(op, shape(5, 40), dir));
}

std::vector<float> sequential_float32_sums(const HostTensor& x, int64_t rows, int64_t cols,
                                           int64_t skip = -1) {
  std::vector<float> y(static_cast<size_t>(rows), 0.0f);
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < cols; ++j)
      if (j != skip) y[i] += x.data[i * cols + j];
  return y;
}

TEST(ReduceOps, SequentialFloat32SumPassesOnLongRows) {
  const OpDef& op = find_op("reduce_sum");
  const CaseSpec c = make_case("reduce_sum", shape(16, 1 << 20));
  const auto in = op.make_inputs(c);
  const Validation v = op.check(c, in, op.reference(c, in), {sequential_float32_sums(in[0], 16, 1 << 20)});
  EXPECT_TRUE(v.passed) << v.detail;
  EXPECT_GT(v.max_rel_error, 0.0);

  const OpDef& mean = find_op("reduce_mean");
  const CaseSpec cm = make_case("reduce_mean", shape(16, 1000));
  const auto inm = mean.make_inputs(cm);
  std::vector<float> y = sequential_float32_sums(inm[0], 16, 1000);
  for (float& v_i : y) v_i /= 1000.0f;
  const Validation vm = mean.check(cm, inm, mean.reference(cm, inm), {y});
  EXPECT_TRUE(vm.passed) << vm.detail;
}

TEST(ReduceOps, CheckRejectsAMissingTermAndTheSumForTheMean) {
  const CaseSpec c = make_case("reduce_sum", shape(8, 64));
  const OpDef& op = find_op("reduce_sum");
  const auto in = op.make_inputs(c);
  const auto ref = op.reference(c, in);
  EXPECT_FALSE(op.check(c, in, ref, {sequential_float32_sums(in[0], 8, 64, 17)}).passed);

  const CaseSpec cm = make_case("reduce_mean", shape(8, 64));
  EXPECT_FALSE(
      find_op("reduce_mean").check(cm, in, find_op("reduce_mean").reference(cm, in), {ref[0].data}).passed);
}

TEST(ReduceOps, BadParametersAreRejectedWithTheirName) {
  for (const char* name : {"reduce_sum", "reduce_mean"}) {
    const OpDef& op = find_op(name);
    EXPECT_NE(op_checks::rejection(op, shape(0, 5)).find("--rows 0 is out of range"), std::string::npos);
    EXPECT_NE(op_checks::rejection(op, {{"rows", 4}}).find("needs --cols"), std::string::npos);
    EXPECT_NE(
        op_checks::rejection(op, {{"rows", 4}, {"cols", 4}, {"axis", 0}}).find("unknown parameter 'axis'"),
        std::string::npos);
    EXPECT_NE(op_checks::rejection(op, shape(1 << 20, 1 << 20)).find("GiB"), std::string::npos);
    EXPECT_EQ(op_checks::rejection(op, shape(128, 1000)), "no error");
  }
}

TEST(ReduceOps, DescribeThemselvesAndCountWork) {
  for (const char* name : {"reduce_sum", "reduce_mean"}) {
    const OpDef& op = find_op(name);
    EXPECT_EQ(op.name(), name);
    EXPECT_TRUE(op.has_backward());
    EXPECT_NE(op.description().find("backward"), std::string::npos);
    EXPECT_EQ(op.shape_label(shape(128, 1000)), "r128-c1000");
    EXPECT_DOUBLE_EQ(op.bytes(shape(2, 3)), 4.0 * (6 + 2));
  }
  EXPECT_DOUBLE_EQ(find_op("reduce_sum").flops(shape(2, 3)), 6);
  EXPECT_DOUBLE_EQ(find_op("reduce_mean").flops(shape(2, 3)), 8);
}

}  // namespace
}  // namespace versus
