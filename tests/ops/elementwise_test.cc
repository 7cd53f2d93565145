// add, mul, relu, sigmoid, tanh: hand-computed references, gradients against finite
// differences, a float32 implementation within tolerance, and rejected parameters.
#include <gtest/gtest.h>

#include <cmath>

#include "op_checks.h"

namespace versus {
namespace {

using op_checks::make_case;

const char* const kOps[] = {"add", "mul", "relu", "sigmoid", "tanh"};

std::vector<float> forward(const std::string& op, std::vector<HostTensor> in) {
  const auto n = static_cast<int64_t>(in[0].data.size());
  return find_op(op).reference(make_case(op, {{"n", n}}), in).at(0).data;
}

std::vector<HostTensor> backward(const std::string& op, std::vector<HostTensor> in) {
  const auto n = static_cast<int64_t>(in[0].data.size());
  return find_op(op).reference(make_case(op, {{"n", n}}, "backward"), in);
}

void expect_near(const std::vector<float>& got, const std::vector<float>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], want[i], 1e-6) << "element " << i;
}

TEST(ElementwiseOps, ForwardReferencesMatchHandComputedValues) {
  const HostTensor a{"A", {3}, {1, 2, -3}}, b{"B", {3}, {0.5f, -2, 1}};
  expect_near(forward("add", {a, b}), {1.5f, 0, -2});
  expect_near(forward("mul", {a, b}), {0.5f, -4, -3});
  expect_near(forward("relu", {{"X", {3}, {-1, 0.5f, 2}}}), {0, 0.5f, 2});
  // sigmoid(ln 3) = 3/4, tanh(atanh(1/2)) = 1/2.
  expect_near(forward("sigmoid", {{"X", {2}, {0, std::log(3.0f)}}}), {0.5f, 0.75f});
  expect_near(forward("tanh", {{"X", {2}, {0, std::atanh(0.5f)}}}), {0, 0.5f});
}

TEST(ElementwiseOps, BackwardReferencesMatchHandComputedValues) {
  const HostTensor a{"A", {3}, {1, 2, 3}}, b{"B", {3}, {4, 5, 6}}, dy{"dY", {3}, {1, -1, 2}};
  auto g = backward("add", {a, b, dy});
  EXPECT_EQ(op_checks::names(g), (std::vector<std::string>{"dA", "dB"}));
  expect_near(g[0].data, dy.data);
  expect_near(g[1].data, dy.data);
  g = backward("mul", {a, b, dy});
  expect_near(g[0].data, {4, -5, 12});  // dY·B
  expect_near(g[1].data, {1, -2, 6});   // dY·A
  g = backward("relu", {{"X", {3}, {-1, 0.5f, 2}}, {"dY", {3}, {3, 4, 5}}});
  EXPECT_EQ(op_checks::names(g), (std::vector<std::string>{"dX"}));
  expect_near(g[0].data, {0, 4, 5});
  // sigmoid'(0) = 1/4, sigmoid'(ln 3) = 3/16; tanh'(0) = 1, tanh'(atanh(1/2)) = 3/4.
  expect_near(backward("sigmoid", {{"X", {2}, {0, std::log(3.0f)}}, {"dY", {2}, {2, 16}}})[0].data,
              {0.5f, 3});
  expect_near(backward("tanh", {{"X", {2}, {0, std::atanh(0.5f)}}, {"dY", {2}, {3, 4}}})[0].data, {3, 3});
}

TEST(ElementwiseOps, BackwardMatchesFiniteDifferencesOfForward) {
  const nlohmann::json p = {{"n", 24}};
  op_checks::expect_gradient_matches_differences(find_op("add"), p, 0, 0, 1e-2);
  op_checks::expect_gradient_matches_differences(find_op("add"), p, 1, 1, 1e-2);
  op_checks::expect_gradient_matches_differences(find_op("mul"), p, 0, 0, 1e-2);
  op_checks::expect_gradient_matches_differences(find_op("mul"), p, 1, 1, 1e-2);
  // A step smaller than relu's 2e-3 gap around 0 keeps both sides on one linear piece.
  op_checks::expect_gradient_matches_differences(find_op("relu"), p, 0, 0, 1e-3);
  op_checks::expect_gradient_matches_differences(find_op("sigmoid"), p, 0, 0, 1e-2);
  op_checks::expect_gradient_matches_differences(find_op("tanh"), p, 0, 0, 1e-2);
}

TEST(ElementwiseOps, InputsAreNamedSeededAndOrdered) {
  const OpDef& mul = find_op("mul");
  const auto fwd = mul.make_inputs(make_case("mul", {{"n", 5}}));
  const auto bwd = mul.make_inputs(make_case("mul", {{"n", 5}}, "backward"));
  EXPECT_EQ(op_checks::names(fwd), (std::vector<std::string>{"A", "B"}));
  EXPECT_EQ(op_checks::names(bwd), (std::vector<std::string>{"A", "B", "dY"}));
  EXPECT_EQ(bwd[0].data, fwd[0].data);  // the backward case differentiates the forward one
  EXPECT_NE(fwd[0].data, fwd[1].data);  // distinct streams
  EXPECT_EQ(fwd[0].shape, (std::vector<int64_t>{5}));
  EXPECT_EQ(op_checks::names(find_op("tanh").make_inputs(make_case("tanh", {{"n", 5}}, "backward"))),
            (std::vector<std::string>{"X", "dY"}));
}

TEST(ElementwiseOps, ReluInputsStayAwayFromZero) {
  const auto in = find_op("relu").make_inputs(make_case("relu", {{"n", 200000}}));
  int negative = 0;
  for (float x : in[0].data) {
    ASSERT_GE(std::fabs(x), 1e-3f);
    negative += x < 0;
  }
  EXPECT_NEAR(negative, 100000, 2000);  // both sides still exercised
}

TEST(ElementwiseOps, CheckPassesTheReferenceAndFailsCorruptedResults) {
  for (const char* op : kOps)
    for (const char* dir : {"forward", "backward"})
      op_checks::expect_check_rejects_corruption(find_op(op), make_case(op, {{"n", 64}}, dir));
}

// The saturating gradients as frameworks compute them: from the float32 output Y.
TEST(ElementwiseOps, Float32GradientsFromTheOutputPassWithMargin) {
  for (const char* op : {"sigmoid", "tanh"}) {
    const OpDef& def = find_op(op);
    const CaseSpec c = make_case(op, {{"n", 100000}}, "backward");
    const auto in = def.make_inputs(c);
    std::vector<float> dx(in[0].data.size());
    for (size_t i = 0; i < dx.size(); ++i) {
      const float x = in[0].data[i], dy = in[1].data[i];
      const float y = std::string(op) == "tanh" ? std::tanh(x) : 1.0f / (1.0f + std::exp(-x));
      dx[i] = std::string(op) == "tanh" ? dy * (1.0f - y * y) : dy * y * (1.0f - y);
    }
    const Validation v = def.check(c, in, def.reference(c, in), {dx});
    EXPECT_TRUE(v.passed) << op << ": " << v.detail;
    EXPECT_LT(v.max_rel_error, v.tolerance / 4) << op;
  }
}

TEST(ElementwiseOps, BadParametersAreRejectedWithTheirName) {
  for (const char* op : kOps) {
    const OpDef& def = find_op(op);
    EXPECT_NE(op_checks::rejection(def, {{"n", 0}}).find("--n 0 is out of range; use 1.."),
              std::string::npos);
    EXPECT_NE(op_checks::rejection(def, nlohmann::json::object()).find("needs --n"), std::string::npos);
    EXPECT_NE(op_checks::rejection(def, {{"n", "x"}}).find("--n must be an integer"), std::string::npos);
    EXPECT_NE(op_checks::rejection(def, {{"n", 8}, {"cols", 3}}).find("unknown parameter 'cols'"),
              std::string::npos);
    EXPECT_NE(op_checks::rejection(def, {{"n", int64_t{1} << 30}}).find("GiB"), std::string::npos);
    EXPECT_EQ(op_checks::rejection(def, {{"n", 1 << 20}}), "no error");
  }
}

TEST(ElementwiseOps, DescribeThemselvesAndCountWork) {
  for (const char* op : kOps) {
    const OpDef& def = find_op(op);
    EXPECT_EQ(def.name(), op);
    EXPECT_TRUE(def.has_backward());
    EXPECT_NE(def.description().find("backward"), std::string::npos);
    EXPECT_EQ(def.shape_label({{"n", 1000}}), "n1000");
  }
  EXPECT_DOUBLE_EQ(find_op("add").flops({{"n", 1000}}), 1000);
  EXPECT_DOUBLE_EQ(find_op("add").bytes({{"n", 1000}}), 4.0 * 3 * 1000);
  EXPECT_DOUBLE_EQ(find_op("sigmoid").flops({{"n", 1000}}), 4000);
  EXPECT_DOUBLE_EQ(find_op("relu").bytes({{"n", 1000}}), 4.0 * 2 * 1000);
}

}  // namespace
}  // namespace versus
