// sgd_update: the update by hand (plain and with momentum), the check catching a wrong
// formulation (MXNet's −lr·V state read back unconverted, momentum applied after the step),
// shape labels and bad parameters.
#include <gtest/gtest.h>

#include "core/ops/sgd_update.h"
#include "op_checks.h"

namespace versus {
namespace {

using op_checks::make_case;

TEST(SgdUpdateOp, PlainAndMomentumUpdatesMatchHandComputedValues) {
  const OpDef& op = find_op("sgd_update");
  const std::vector<HostTensor> in = {{"W", {2}, {1.0f, -2.0f}}, {"G", {2}, {0.5f, 4.0f}}, {"V", {2}, {2.0f, -1.0f}}};
  const auto plain = op.reference(make_case("sgd_update", {{"n", 2}}), {in[0], in[1]});
  ASSERT_EQ(plain.size(), 1u);
  EXPECT_FLOAT_EQ(plain[0].data[0], 1.0f - 0.01f * 0.5f);
  EXPECT_FLOAT_EQ(plain[0].data[1], -2.0f - 0.01f * 4.0f);
  const auto mom = op.reference(make_case("sgd_update", {{"n", 2}, {"momentum", true}}), in);
  ASSERT_EQ(mom.size(), 2u);
  EXPECT_EQ(mom[1].name, "V");
  EXPECT_FLOAT_EQ(mom[1].data[0], 0.9f * 2.0f + 0.5f);   // V = μV + G
  EXPECT_FLOAT_EQ(mom[1].data[1], 0.9f * -1.0f + 4.0f);
  EXPECT_FLOAT_EQ(mom[0].data[0], 1.0f - 0.01f * 2.3f);  // W -= lr·V (the new V)
  EXPECT_FLOAT_EQ(mom[0].data[1], -2.0f - 0.01f * 3.1f);
}

TEST(SgdUpdateOp, CheckPassesTheReferenceAndCatchesWrongFormulations) {
  const OpDef& op = find_op("sgd_update");
  const CaseSpec c = make_case("sgd_update", {{"n", 1001}, {"momentum", true}});
  const auto in = op.make_inputs(c);
  ASSERT_EQ(in.size(), 3u);
  const auto ref = op.reference(c, in);
  EXPECT_TRUE(op.check(c, in, ref, {ref[0].data, ref[1].data}).passed);
  // MXNet's state is −lr·V: returned unconverted, V is wrong.
  std::vector<float> mx_state = ref[1].data;
  for (float& v : mx_state) v *= -0.01f;
  EXPECT_FALSE(op.check(c, in, ref, {ref[0].data, mx_state}).passed);
  // W stepped with the old V (momentum applied after the step) is wrong.
  std::vector<float> late = ref[0].data;
  for (size_t i = 0; i < late.size(); ++i) late[i] = in[0].data[i] - 0.01f * in[2].data[i];
  const Validation bad = op.check(c, in, ref, {late, ref[1].data});
  EXPECT_FALSE(bad.passed);
  EXPECT_NE(bad.detail.find("W["), std::string::npos) << bad.detail;
  op_checks::expect_check_rejects_corruption(op, c);
  op_checks::expect_check_rejects_corruption(op, make_case("sgd_update", {{"n", 77}}));
}

TEST(SgdUpdateOp, LabelsAndBadParameters) {
  const OpDef& op = find_op("sgd_update");
  EXPECT_EQ(op.shape_label({{"n", 10}, {"momentum", true}}), "n10-momentum");
  EXPECT_EQ(op.shape_label({{"n", 10}}), "n10");
  EXPECT_FALSE(op.has_backward());
  EXPECT_NE(op_checks::rejection(op, {{"n", 0}}).find("n"), std::string::npos);
  EXPECT_NE(op_checks::rejection(op, {{"n", 10}, {"lr", 0.1}}).find("lr"), std::string::npos);  // not a parameter
}

}  // namespace
}  // namespace versus
