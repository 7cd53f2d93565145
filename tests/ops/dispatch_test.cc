// dispatch: the reference is the exact sum rounded once, the checker catches a wrong sum, and an
// unknown or missing mode is refused by name.
#include <gtest/gtest.h>

#include "core/errors.h"
#include "core/op_registry.h"
#include "op_checks.h"

namespace versus {

using op_checks::make_case;

TEST(DispatchOp, ReferenceIsTheSumAndTheCheckerCatchesAWrongOne) {
  const OpDef& op = find_op("dispatch");
  const CaseSpec c = make_case("dispatch", {{"mode", "eager"}});
  const std::vector<HostTensor> in = op.make_inputs(c);
  ASSERT_EQ(in.size(), 2u);
  const float a = in[0].data.at(0), b = in[1].data.at(0);
  EXPECT_NE(a, 0.0f);
  const std::vector<HostTensor> ref = op.reference(c, in);
  EXPECT_EQ(ref.at(0).data.at(0), a + b);  // float addition rounds the exact sum once
  EXPECT_TRUE(op.check(c, in, ref, {{a + b}}).passed);
  EXPECT_FALSE(op.check(c, in, ref, {{a + b + 1e-3f}}).passed);
  EXPECT_FALSE(op.check(c, in, ref, {{a - b}}).passed);
  EXPECT_EQ(op.shape_label(c.params), "eager");
}

TEST(DispatchOp, AModeIsRequiredAndMustBeKnown) {
  const OpDef& op = find_op("dispatch");
  EXPECT_THROW(op.validate_params(nlohmann::json::object()), UserError);
  try {
    op.validate_params({{"mode", "hybrid"}});
    FAIL() << "an unknown mode was accepted";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("cachedop"), std::string::npos) << e.what();
  }
  for (const char* mode : {"graph", "eager", "imperative", "cachedop", "call"})
    EXPECT_NO_THROW(op.validate_params({{"mode", mode}})) << mode;
}

}  // namespace versus
