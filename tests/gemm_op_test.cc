// The GEMM reference and its checker: hand-computed products, transposes, the backward pass
// against finite differences, and rejections.
#include <gtest/gtest.h>

#include <cmath>

#include "core/errors.h"
#include "core/op_registry.h"
#include "core/ops/gemm.h"
#include "ops/op_checks.h"

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
  // Backward is two products of the forward's size: dA and dB.
  EXPECT_TRUE(op.has_backward());
  EXPECT_DOUBLE_EQ(op.backward_flops(p), 2 * op.flops(p));
}

TEST(GemmOp, BackwardMatchesHandComputedValuesInTheStoredLayouts) {
  const OpDef& op = find_op("gemm");
  CaseSpec c = gemm_case(1, 1, 2);
  c.direction = "backward";
  EXPECT_EQ(op_checks::names(op.make_inputs(c)), (std::vector<std::string>{"A", "B", "dC"}));
  // A = [[1, 2]], B = [[3], [4]], dC = [[2]]: dA = dC·Bᵀ = [[6, 8]], dB = Aᵀ·dC = [[2], [4]].
  auto g = op.reference(c, {{"A", {1, 2}, {1, 2}}, {"B", {2, 1}, {3, 4}}, {"dC", {1, 1}, {2}}});
  EXPECT_EQ(op_checks::names(g), (std::vector<std::string>{"dA", "dB"}));
  EXPECT_EQ(g[0].data, (std::vector<float>{6, 8}));
  EXPECT_EQ(g[1].data, (std::vector<float>{2, 4}));
  // Stored transposed, the same operands give the gradients in the stored layouts.
  c = gemm_case(1, 1, 2, true, true);
  c.direction = "backward";
  g = op.reference(c, {{"A", {2, 1}, {1, 2}}, {"B", {1, 2}, {3, 4}}, {"dC", {1, 1}, {2}}});
  EXPECT_EQ(g[0].shape, (std::vector<int64_t>{2, 1}));
  EXPECT_EQ(g[1].shape, (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(g[0].data, (std::vector<float>{6, 8}));
  EXPECT_EQ(g[1].data, (std::vector<float>{2, 4}));
}

// dA and dB against central differences of Σ dC·C, in all four layouts, on an odd shape. The op
// is bilinear, so the differences are exact up to the rounding of C to float32.
TEST(GemmOp, BackwardMatchesFiniteDifferencesInEveryLayout) {
  const OpDef& op = find_op("gemm");
  for (bool ta : {false, true})
    for (bool tb : {false, true}) {
      const nlohmann::json p = gemm_case(5, 3, 7, ta, tb).params;
      op_checks::expect_gradient_matches_differences(op, p, 0, 0, 0.25);
      op_checks::expect_gradient_matches_differences(op, p, 1, 1, 0.25);
    }
}

TEST(GemmOp, CheckPassesTheReferenceAndFailsCorruptedGradients) {
  const OpDef& op = find_op("gemm");
  for (bool ta : {false, true})
    for (bool tb : {false, true}) {
      CaseSpec c = gemm_case(5, 3, 7, ta, tb);
      op_checks::expect_check_rejects_corruption(op, c);
      c.direction = "backward";
      op_checks::expect_check_rejects_corruption(op, c);
    }
}

// A network's first dense layer: b_grad_only's backward is the full one's dB alone, checked on
// its own (dA handed back where dB belongs fails), with its own label.
TEST(GemmOp, BGradOnlyIsTheFullBackwardsDbAlone) {
  const OpDef& op = find_op("gemm");
  for (bool tb : {false, true}) {
    CaseSpec full = gemm_case(6, 5, 6, false, tb);
    full.direction = "backward";
    CaseSpec db_only = full;
    db_only.params["b_grad_only"] = true;
    const auto in = op.make_inputs(full);
    const auto ref = op.reference(full, in), ref_db = op.reference(db_only, in);
    ASSERT_EQ(ref_db.size(), 1u);
    EXPECT_EQ(ref_db[0].name, "dB");
    EXPECT_EQ(ref_db[0].data, ref[1].data);
    EXPECT_TRUE(op.check(db_only, in, ref_db, {ref_db[0].data}).passed);
    EXPECT_FALSE(op.check(db_only, in, ref_db, {ref[0].data}).passed);
    op_checks::expect_check_rejects_corruption(op, db_only);
    EXPECT_TRUE(op.shape_label(db_only.params).ends_with("-db")) << op.shape_label(db_only.params);
  }
}

// A transposed operand's gradient must come back transposed: dA for A stored k×m is not dA for
// A stored m×k, even when the shapes agree (m = k).
TEST(GemmOp, CheckRejectsAGradientInTheWrongLayout) {
  const OpDef& op = find_op("gemm");
  CaseSpec c = gemm_case(6, 5, 6, true, false);
  c.direction = "backward";
  const auto in = op.make_inputs(c);
  const auto ref = op.reference(c, in);
  CaseSpec untransposed = gemm_case(6, 5, 6, false, false);
  untransposed.direction = "backward";
  const auto wrong = op.reference(untransposed, in);
  const Validation bad = op.check(c, in, ref, {wrong[0].data, ref[1].data});
  EXPECT_FALSE(bad.passed);
  EXPECT_GT(bad.max_rel_error, 100 * bad.tolerance);
  EXPECT_NE(bad.detail.find("dA["), std::string::npos) << bad.detail;
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
  EXPECT_NE(message({{"m", 4}, {"n", 4}, {"k", 4}, {"tranz_b", true}}).find("tranz_b"), std::string::npos);  // misspelt
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

TEST(GemmOp, HugeBackwardChecksEvenlySpacedRowsOfTheStoredGradients) {
  const OpDef& op = find_op("gemm");
  CaseSpec c;
  c.op = "gemm";
  c.direction = "backward";
  // 2.2e9 multiply-adds per gradient: sampled. A is stored transposed, k×m, and so is dA.
  c.params = {{"m", 2048}, {"n", 1024}, {"k", 1056}, {"trans_a", true}};
  const auto in = op.make_inputs(c);
  const auto ref = op.reference(c, in);
  ASSERT_EQ(ref.size(), 2u);
  ASSERT_EQ(ref[0].shape, (std::vector<int64_t>{64, 2048}));
  ASSERT_EQ(ref[1].shape, (std::vector<int64_t>{64, 1024}));
  // The last checked row of dA is its last stored row p = k-1: dA[p][i] = Σ_j B[p][j]·dC[i][j].
  for (int i : {0, 1000, 2047}) {
    double sum = 0;
    for (int j = 0; j < 1024; ++j) sum += double(in[1].data[1055 * 1024 + j]) * in[2].data[i * 1024 + j];
    EXPECT_NEAR(ref[0].data[63 * 2048 + i], sum, 1e-4) << "dA[1055][" << i << "]";
  }
  // Full gradients whose unchecked rows are garbage, checked rows exact: pass, and say so.
  std::vector<std::vector<float>> full = {std::vector<float>(1056 * 2048, std::nanf("")),
                                          std::vector<float>(1056 * 1024, std::nanf(""))};
  for (size_t o = 0; o < 2; ++o) {
    const auto cols = static_cast<int>(ref[o].shape[1]);
    for (int r = 0; r < 64; ++r)
      std::copy(ref[o].data.begin() + r * cols, ref[o].data.begin() + (r + 1) * cols,
                full[o].begin() + (r * 1055 / 63) * cols);
  }
  const Validation ok = op.check(c, in, ref, full);
  EXPECT_TRUE(ok.passed) << ok.detail;
  EXPECT_NE(ok.detail.find("checked 64 of 1056 rows of dA, 64 of 1056 rows of dB"), std::string::npos) << ok.detail;
  full[1][1055 * 1024 + 3] += 1.0f;
  EXPECT_FALSE(op.check(c, in, ref, full).passed);
}

}  // namespace versus
