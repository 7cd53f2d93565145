// gelu, erf and tanh forms: hand-computed values, gradients against finite differences, a naive
// float32 composition within tolerance, the other form and bad parameters rejected.
#include <gtest/gtest.h>

#include <cmath>

#include "op_checks.h"

namespace versus {
namespace {

using op_checks::make_case;

nlohmann::json params(int64_t n, const char* approximate = "none") { return {{"n", n}, {"approximate", approximate}}; }

TEST(GeluOp, ForwardReferenceMatchesHandComputedValues) {
  const OpDef& op = find_op("gelu");
  const std::vector<HostTensor> in = {{"X", {3}, {-1, 0, 2}}};
  // x·Φ(x): Φ(-1) = 0.158655, Φ(2) = 0.977250.
  const auto y = op.reference(make_case("gelu", params(3)), in);
  EXPECT_NEAR(y[0].data[0], -0.158655, 1e-6);
  EXPECT_EQ(y[0].data[1], 0.0f);
  EXPECT_NEAR(y[0].data[2], 1.954500, 1e-6);
  // tanh form at 2: 1 + tanh(0.797885·(2 + 0.35772)) = 1 + tanh(1.881146) = 1.954598.
  const auto t = op.reference(make_case("gelu", params(3, "tanh")), in);
  EXPECT_NEAR(t[0].data[2], 1.954598, 1e-6);
  EXPECT_NEAR(t[0].data[0], -0.158808, 1e-6);
}

TEST(GeluOp, BackwardMatchesFiniteDifferencesOfForward) {
  op_checks::expect_gradient_matches_differences(find_op("gelu"), params(101), 0, 0, 1e-2);
  op_checks::expect_gradient_matches_differences(find_op("gelu"), params(101, "tanh"), 0, 0, 1e-2);
}

TEST(GeluOp, CheckPassesTheReferenceAndFailsCorruptedResults) {
  for (const char* dir : {"forward", "backward"})
    for (const char* form : {"none", "tanh"})
      op_checks::expect_check_rejects_corruption(find_op("gelu"), make_case("gelu", params(1001, form), dir));
}

TEST(GeluOp, NaiveFloat32CompositionPassesAndTheOtherFormFails) {
  const OpDef& op = find_op("gelu");
  const CaseSpec c = make_case("gelu", params(100000));
  const auto in = op.make_inputs(c);
  std::vector<float> naive(in[0].data.size()), tanh_form(naive.size());
  for (size_t i = 0; i < naive.size(); ++i) {
    const float x = in[0].data[i];
    naive[i] = 0.5f * x * (1.0f + std::erf(x * 0.70710678f));
    tanh_form[i] = 0.5f * x * (1.0f + std::tanh(0.7978846f * (x + 0.044715f * x * x * x)));
  }
  const auto refs = op.reference(c, in);
  const Validation v = op.check(c, in, refs, {naive});
  EXPECT_TRUE(v.passed) << v.detail << " " << v.max_rel_error;
  const Validation w = op.check(c, in, refs, {tanh_form});
  EXPECT_FALSE(w.passed) << "the tanh approximation passed as the erf form";
  EXPECT_GT(w.max_rel_error, 10 * w.tolerance);
}

TEST(GeluOp, BadParametersAreRejectedWithTheirName) {
  const OpDef& op = find_op("gelu");
  EXPECT_NE(op_checks::rejection(op, {{"n", 10}, {"approximate", "sigmoid"}}).find("approximate"), std::string::npos);
  EXPECT_NE(op_checks::rejection(op, {{"n", 10}, {"impl", "fused"}}).find("impl"), std::string::npos);
  EXPECT_NE(op_checks::rejection(op, {{"n", 0}}).find("--n 0 is out of range"), std::string::npos);
  EXPECT_EQ(op_checks::rejection(op, {{"n", 10}, {"approximate", "tanh"}, {"impl", "composed"}}), "no error");
}

TEST(GeluOp, DescribesItselfAndLabelsItsForms) {
  const OpDef& op = find_op("gelu");
  EXPECT_EQ(op.shape_label({{"n", 8}}), "n8");
  EXPECT_EQ(op.shape_label({{"n", 8}, {"approximate", "tanh"}, {"impl", "composed"}}), "n8-tanh-composed");
  EXPECT_DOUBLE_EQ(op.flops({{"n", 2}}), 10.0);
  EXPECT_DOUBLE_EQ(op.bytes({{"n", 2}}), 16.0);
}

}  // namespace
}  // namespace versus
