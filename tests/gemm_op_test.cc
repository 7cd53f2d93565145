// The GEMM reference and its checker: hand-computed products, transposes, and rejections.
#include <gtest/gtest.h>

#include <cmath>

#include "core/errors.h"
#include "core/op_registry.h"
#include "core/ops/gemm.h"

namespace versus {
namespace {

CaseSpec gemm_case(int64_t m, int64_t n, int64_t k, bool ta = false, bool tb = false) {
  CaseSpec c;
  c.op = "gemm";
  c.params = {{"m", m}, {"n", n}, {"k", k}, {"trans_a", ta}, {"trans_b", tb}};
  return c;
}

}  // namespace

TEST(GemmOp, ReferenceMatchesAHandComputedProduct) {
  const OpDef& op = find_op("gemm");
  const CaseSpec c = gemm_case(2, 2, 3);
  // A = [[1,2,3],[4,5,6]], B = [[7,8],[9,10],[11,12]]  ->  C = [[58,64],[139,154]]
  std::vector<HostTensor> in = {{"A", {2, 3}, {1, 2, 3, 4, 5, 6}}, {"B", {3, 2}, {7, 8, 9, 10, 11, 12}}};
  EXPECT_EQ(op.reference(c, in)[0].data, (std::vector<float>{58, 64, 139, 154}));
}

TEST(GemmOp, ReferenceHonoursBothTransposes) {
  const OpDef& op = find_op("gemm");
  // Same product with A stored transposed (3×2) and B stored transposed (2×3).
  std::vector<HostTensor> in = {{"A", {3, 2}, {1, 4, 2, 5, 3, 6}}, {"B", {2, 3}, {7, 9, 11, 8, 10, 12}}};
  EXPECT_EQ(op.reference(gemm_case(2, 2, 3, true, true), in)[0].data, (std::vector<float>{58, 64, 139, 154}));
}

TEST(GemmOp, InputsHaveTheStoredShapes) {
  const auto in = find_op("gemm").make_inputs(gemm_case(5, 7, 3, true, false));
  EXPECT_EQ(in[0].shape, (std::vector<int64_t>{3, 5}));
  EXPECT_EQ(in[1].shape, (std::vector<int64_t>{3, 7}));
  EXPECT_EQ(in[0].data.size(), 15u);
}

TEST(GemmOp, CheckAcceptsAFloat32ResultAndRejectsAWrongLayout) {
  const OpDef& op = find_op("gemm");
  const CaseSpec c = gemm_case(64, 48, 256);
  const auto in = op.make_inputs(c);
  const std::vector<HostTensor> ref = op.reference(c, in);
  // A float32 naive product: rounding differs from the float64 reference, within tolerance.
  std::vector<float> f32(64 * 48, 0.0f);
  for (int i = 0; i < 64; ++i)
    for (int j = 0; j < 48; ++j) {
      float acc = 0;
      for (int p = 0; p < 256; ++p) acc += in[0].data[i * 256 + p] * in[1].data[p * 48 + j];
      f32[i * 48 + j] = acc;
    }
  const Validation ok = op.check(c, in, ref, {f32});
  EXPECT_TRUE(ok.passed) << ok.max_rel_error << " > " << ok.tolerance;
  EXPECT_GT(ok.max_rel_error, 0.0);

  // Computing with Bᵀ instead of B (a classic layout bug) must fail.
  const HostTensor wrong = op.reference(gemm_case(64, 48, 256, false, true),
                                        {in[0], {"B", {48, 256}, in[1].data}})[0];
  const Validation bad = op.check(c, in, ref, {wrong.data});
  EXPECT_FALSE(bad.passed);
  EXPECT_GT(bad.max_rel_error, 100 * bad.tolerance);
}

TEST(GemmOp, CheckRejectsNaNAndWrongSize) {
  const OpDef& op = find_op("gemm");
  const CaseSpec c = gemm_case(4, 4, 4);
  const auto in = op.make_inputs(c);
  const std::vector<HostTensor> ref = op.reference(c, in);
  std::vector<float> got = ref[0].data;
  got[5] = std::nanf("");
  EXPECT_FALSE(op.check(c, in, ref, {got}).passed);
  EXPECT_FALSE(op.check(c, in, ref, {std::vector<float>(15)}).passed);
  EXPECT_TRUE(op.check(c, in, ref, {ref[0].data}).passed);
  EXPECT_FALSE(op.check(c, in, ref, {}).passed);
}

TEST(GemmOp, CountsWork) {
  const OpDef& op = find_op("gemm");
  const auto p = gemm_case(2, 3, 4).params;
  EXPECT_DOUBLE_EQ(op.flops(p), 2.0 * 2 * 3 * 4);
  EXPECT_DOUBLE_EQ(op.bytes(p), 4.0 * (2 * 4 + 4 * 3 + 2 * 3));
  EXPECT_EQ(op.shape_label(gemm_case(2, 3, 4, false, true).params), "m2-n3-k4-nt");
}

TEST(GemmOp, BadSizesAreRejectedWithTheirName) {
  auto message = [](const nlohmann::json& p) {
    try {
      parse_gemm_params(p);
    } catch (const UserError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message({{"m", 0}, {"n", 4}, {"k", 4}}).find("--m 0 is out of range"), std::string::npos);
  EXPECT_NE(message({{"m", 4}, {"n", -3}, {"k", 4}}).find("--n -3 is out of range"), std::string::npos);
  EXPECT_NE(message({{"m", 4}, {"n", 4}}).find("needs --k"), std::string::npos);
  EXPECT_NE(message({{"m", 4}, {"n", 4}, {"k", "x"}}).find("--k must be an integer"), std::string::npos);
  EXPECT_NE(message({{"m", 65536}, {"n", 65536}, {"k", 65536}}).find("GiB"), std::string::npos);
}

TEST(OpRegistry, UnknownOpListsTheKnownOnes) {
  try {
    find_op("gemmm");
    FAIL() << "no error";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("unknown op 'gemmm'"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("gemm"), std::string::npos);
  }
}

}  // namespace versus

namespace versus {

TEST(GemmOp, HugeProductsAreCheckedOnEvenlySpacedRows) {
  const OpDef& op = find_op("gemm");
  CaseSpec c;
  c.op = "gemm";
  c.params = {{"m", 2048}, {"n", 2048}, {"k", 1024}};  // 4.3e9 multiply-adds: sampled
  const auto in = op.make_inputs(c);
  const auto ref = op.reference(c, in);
  ASSERT_EQ(ref[0].shape, (std::vector<int64_t>{64, 2048}));
  // A full C whose unchecked rows are garbage, checked rows exact: passes, and says so.
  std::vector<float> full(2048 * 2048, std::nanf(""));
  for (int r = 0; r < 64; ++r) {
    const int row = r * 2047 / 63;
    std::copy(ref[0].data.begin() + r * 2048, ref[0].data.begin() + (r + 1) * 2048, full.begin() + row * 2048);
  }
  const Validation ok = op.check(c, in, ref, {full});
  EXPECT_TRUE(ok.passed) << ok.detail;
  EXPECT_NE(ok.detail.find("checked 64 of 2048 rows"), std::string::npos) << ok.detail;
  full[2047 * 2048 + 5] += 1.0f;  // the last row is always checked
  EXPECT_FALSE(op.check(c, in, ref, {full}).passed);
}

}  // namespace versus
