// lstm: two hand-computed steps of one unit, every gradient against central differences, the
// check against a wrong gate order and corrupted results, rejected parameters, work counts.
#include <gtest/gtest.h>

#include <cmath>

#include "core/ops/lstm.h"
#include "op_checks.h"

namespace versus {
namespace {

using op_checks::make_case;
using op_checks::rejection;

nlohmann::json lstm(int64_t seq, int64_t batch, int64_t input, int64_t hidden) {
  return {{"seq", seq}, {"batch", batch}, {"input", input}, {"hidden", hidden}};
}

double sigmoid(double a) { return 1.0 / (1.0 + std::exp(-a)); }

// seq 2, batch 1, input 1, hidden 1: each weight tensor holds one value per gate i, f, g, o.
const std::vector<HostTensor> kTiny = {{"X", {2, 1, 1}, {0.5f, -1.0f}},
                                       {"W_ih", {4, 1}, {0.25f, -0.5f, 0.75f, 0.5f}},
                                       {"W_hh", {4, 1}, {0.5f, 1.0f, -0.75f, 0.25f}},
                                       {"b_ih", {4}, {0.125f, 0.25f, 0.0f, -0.25f}},
                                       {"b_hh", {4}, {0.0f, 0.125f, 0.25f, 0.0f}}};

TEST(LstmOp, ForwardFollowsTheGateEquationsStepByStep) {
  const auto y = find_op("lstm").reference(make_case("lstm", lstm(2, 1, 1, 1)), kTiny);
  ASSERT_EQ(y.size(), 1u);
  EXPECT_EQ(y[0].name, "Y");
  EXPECT_EQ(y[0].shape, (std::vector<int64_t>{2, 1, 1}));
  // Step 1 from h = c = 0: pre-activations W_ih·x + b_ih + b_hh.
  const double i1 = sigmoid(0.25 * 0.5 + 0.125), g1 = std::tanh(0.75 * 0.5 + 0.25);
  const double o1 = sigmoid(0.5 * 0.5 - 0.25);
  const double c1 = i1 * g1, h1 = o1 * std::tanh(c1);
  // Step 2 adds W_hh·h1 and the forget gate keeps part of c1.
  const double i2 = sigmoid(-0.25 + 0.5 * h1 + 0.125), f2 = sigmoid(0.5 + 1.0 * h1 + 0.375);
  const double g2 = std::tanh(-0.75 - 0.75 * h1 + 0.25), o2 = sigmoid(-0.5 + 0.25 * h1 - 0.25);
  const double h2 = o2 * std::tanh(f2 * c1 + i2 * g2);
  EXPECT_NEAR(y[0].data[0], h1, 1e-7);
  EXPECT_NEAR(y[0].data[1], h2, 1e-7);
  EXPECT_NEAR(h1, 0.151029, 1e-6);  // σ(0.25)·tanh(0.625) = 0.311781, h = σ(0)·tanh(c)
}

TEST(LstmOp, BackwardOfOneStepFollowsTheChainRule) {
  std::vector<HostTensor> in = kTiny;
  in[0] = {"X", {1, 1, 1}, {0.5f}};
  in.push_back({"dY", {1, 1, 1}, {1.0f}});
  const auto g = find_op("lstm").reference(make_case("lstm", lstm(1, 1, 1, 1), "backward"), in);
  EXPECT_EQ(op_checks::names(g), (std::vector<std::string>{"dX", "dW_ih", "dW_hh", "db_ih", "db_hh"}));
  const double i = sigmoid(0.25), g_ = std::tanh(0.625), o = sigmoid(0.0);
  const double c = i * g_, tc = std::tanh(c);
  const double dc = o * (1 - tc * tc);
  const double da[4] = {dc * g_ * i * (1 - i), 0.0 /* c0 = 0 */, dc * i * (1 - g_ * g_), tc * o * (1 - o)};
  const double w[4] = {0.25, -0.5, 0.75, 0.5};
  double dx = 0;
  for (int k = 0; k < 4; ++k) {
    dx += da[k] * w[k];
    EXPECT_NEAR(g[1].data[size_t(k)], da[k] * 0.5, 1e-7) << "dW_ih gate " << k;
    EXPECT_EQ(g[2].data[size_t(k)], 0.0f) << "h0 = 0: no recurrent weight gradient in one step";
    EXPECT_NEAR(g[3].data[size_t(k)], da[k], 1e-7) << "db_ih gate " << k;
    EXPECT_EQ(g[4].data[size_t(k)], g[3].data[size_t(k)]);
  }
  EXPECT_NEAR(g[0].data[0], dx, 1e-7);
}

TEST(LstmOp, EveryGradientMatchesFiniteDifferences) {
  const OpDef& op = find_op("lstm");
  for (size_t k = 0; k < 5; ++k) {
    op_checks::expect_gradient_matches_differences(op, lstm(4, 2, 3, 2), k, k, 1e-2, 2e-3);
    op_checks::expect_gradient_matches_differences(op, lstm(3, 3, 2, 3), k, k, 1e-2, 2e-3);
  }
}

TEST(LstmOp, InputsAreSeededWithPyTorchsInitRange) {
  const OpDef& op = find_op("lstm");
  const auto in = op.make_inputs(make_case("lstm", lstm(5, 3, 7, 16), "backward"));
  EXPECT_EQ(op_checks::names(in), (std::vector<std::string>{"X", "W_ih", "W_hh", "b_ih", "b_hh", "dY"}));
  EXPECT_EQ(in[1].shape, (std::vector<int64_t>{64, 7}));
  EXPECT_EQ(in[2].shape, (std::vector<int64_t>{64, 16}));
  EXPECT_EQ(in[5].shape, (std::vector<int64_t>{5, 3, 16}));
  for (size_t t = 1; t <= 4; ++t)
    for (float v : in[t].data) ASSERT_LE(std::fabs(v), 0.25f) << in[t].name;  // 1/√16
  EXPECT_EQ(op.make_inputs(make_case("lstm", lstm(5, 3, 7, 16)))[1].data, in[1].data);
}

TEST(LstmOp, CheckFailsAWrongGateOrder) {
  const OpDef& op = find_op("lstm");
  const CaseSpec c = make_case("lstm", lstm(6, 4, 5, 8));
  const auto in = op.make_inputs(c);
  auto swapped = in;  // i and f exchanged in every weight and bias, as a f,i,g,o layout would
  for (size_t t = 1; t <= 4; ++t) {
    const size_t block = swapped[t].data.size() / 4;
    std::swap_ranges(swapped[t].data.begin(), swapped[t].data.begin() + long(block),
                     swapped[t].data.begin() + long(block));
  }
  const Validation v = op.check(c, in, op.reference(c, in), {op.reference(c, swapped)[0].data});
  EXPECT_FALSE(v.passed);
  EXPECT_GT(v.max_rel_error, 100 * v.tolerance);
}

TEST(LstmOp, CheckPassesTheReferenceAndFailsCorruptedResults) {
  for (const char* dir : {"forward", "backward"})
    op_checks::expect_check_rejects_corruption(find_op("lstm"), make_case("lstm", lstm(5, 3, 7, 6), dir));
}

TEST(LstmOp, BadParametersAreRejectedWithTheirName) {
  const OpDef& op = find_op("lstm");
  EXPECT_NE(rejection(op, lstm(0, 3, 7, 6)).find("--seq 0 is out of range"), std::string::npos);
  EXPECT_NE(rejection(op, lstm(5, 3, 7, 1 << 15)).find("--hidden 32768 is out of range; use 1..16384"),
            std::string::npos);
  EXPECT_NE(rejection(op, {{"seq", 5}, {"batch", 3}, {"input", 7}}).find("needs --hidden"), std::string::npos);
  nlohmann::json typo = lstm(5, 3, 7, 6);
  typo["units"] = 6;
  EXPECT_NE(rejection(op, typo).find("unknown parameter 'units'"), std::string::npos);
  EXPECT_NE(rejection(op, lstm(65536, 65536, 1, 1)).find("GiB"), std::string::npos);
  EXPECT_EQ(rejection(op, lstm(80, 32, 128, 128)), "no error");
}

TEST(LstmOp, DescribesItselfAndCountsWork) {
  const OpDef& op = find_op("lstm");
  EXPECT_TRUE(op.has_backward());
  EXPECT_EQ(op.shape_label(lstm(80, 32, 128, 64)), "s80-b32-i128-h64");
  // seq · 2·batch·4·hidden·(input + hidden): the gate pre-activations' matrix products.
  EXPECT_DOUBLE_EQ(op.flops(lstm(80, 32, 128, 128)), 80.0 * 2 * 32 * 512 * 256);
  EXPECT_DOUBLE_EQ(op.backward_flops(lstm(80, 32, 128, 128)), 2 * 80.0 * 2 * 32 * 512 * 256);
  EXPECT_DOUBLE_EQ(op.bytes(lstm(2, 3, 4, 5)), 4.0 * (2 * 3 * 4 + 20 * 9 + 2 * 20 + 2 * 3 * 5));
}

}  // namespace
}  // namespace versus
