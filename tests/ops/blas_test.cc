// dot, gemv, batched_gemm: hand-computed products, agreement with gemm slice by slice, the
// backward pass against finite differences, checks and rejected parameters.
#include <gtest/gtest.h>

#include <cmath>

#include "core/ops/blas.h"
#include "op_checks.h"

namespace versus {
namespace {

using op_checks::make_case;
using op_checks::rejection;

nlohmann::json batched(int64_t batch, int64_t m, int64_t n, int64_t k, bool ta = false, bool tb = false) {
  return {{"batch", batch}, {"m", m}, {"n", n}, {"k", k}, {"trans_a", ta}, {"trans_b", tb}};
}

TEST(BlasOps, DotAndGemvMatchHandComputedValues) {
  const auto z = find_op("dot").reference(make_case("dot", {{"n", 3}}), {{"X", {3}, {1, 2, 3}}, {"Y", {3}, {4, 5, 6}}});
  EXPECT_EQ(z.at(0).name, "Z");
  EXPECT_EQ(z[0].shape, (std::vector<int64_t>{1}));
  EXPECT_EQ(z[0].data, (std::vector<float>{32}));

  const OpDef& gemv = find_op("gemv");
  const HostTensor x{"X", {3}, {1, 0, -1}};
  // A = [[1,2,3],[4,5,6]]: Y = [1-3, 4-6]; stored transposed it is [[1,4],[2,5],[3,6]].
  auto y = gemv.reference(make_case("gemv", {{"m", 2}, {"n", 3}}), {{"A", {2, 3}, {1, 2, 3, 4, 5, 6}}, x});
  EXPECT_EQ(y.at(0).name, "Y");
  EXPECT_EQ(y[0].data, (std::vector<float>{-2, -2}));
  y = gemv.reference(make_case("gemv", {{"m", 2}, {"n", 3}, {"trans_a", true}}), {{"A", {3, 2}, {1, 4, 2, 5, 3, 6}}, x});
  EXPECT_EQ(y[0].data, (std::vector<float>{-2, -2}));
}

TEST(BlasOps, BatchedGemmIsGemmOnEverySlice) {
  const OpDef& op = find_op("batched_gemm");
  for (bool ta : {false, true})
    for (bool tb : {false, true}) {
      const CaseSpec c = make_case("batched_gemm", batched(3, 4, 5, 6, ta, tb));
      const auto in = op.make_inputs(c);
      ASSERT_EQ(in[0].shape, (std::vector<int64_t>{3, ta ? 6 : 4, ta ? 4 : 6}));
      ASSERT_EQ(in[1].shape, (std::vector<int64_t>{3, tb ? 5 : 6, tb ? 6 : 5}));
      const auto out = op.reference(c, in);
      ASSERT_EQ(out.at(0).shape, (std::vector<int64_t>{3, 4, 5}));
      const CaseSpec g = make_case("gemm", {{"m", 4}, {"n", 5}, {"k", 6}, {"trans_a", ta}, {"trans_b", tb}});
      for (int b = 0; b < 3; ++b) {
        const HostTensor a{"A", {}, {in[0].data.begin() + b * 24, in[0].data.begin() + (b + 1) * 24}};
        const HostTensor bm{"B", {}, {in[1].data.begin() + b * 30, in[1].data.begin() + (b + 1) * 30}};
        const std::vector<float> slice(out[0].data.begin() + b * 20, out[0].data.begin() + (b + 1) * 20);
        EXPECT_EQ(find_op("gemm").reference(g, {a, bm})[0].data, slice) << "slice " << b << " ta " << ta << " tb " << tb;
      }
    }
}

TEST(BlasOps, BatchedGemmBackwardMatchesHandComputedValues) {
  const OpDef& op = find_op("batched_gemm");
  // A = [[1, 2]], B = [[3], [4]], dC = [[2]]: dA = dC·Bᵀ = [[6, 8]], dB = Aᵀ·dC = [[2], [4]].
  auto g = op.reference(make_case("batched_gemm", batched(1, 1, 1, 2), "backward"),
                        {{"A", {1, 1, 2}, {1, 2}}, {"B", {1, 2, 1}, {3, 4}}, {"dC", {1, 1, 1}, {2}}});
  EXPECT_EQ(op_checks::names(g), (std::vector<std::string>{"dA", "dB"}));
  EXPECT_EQ(g[0].data, (std::vector<float>{6, 8}));
  EXPECT_EQ(g[1].data, (std::vector<float>{2, 4}));
  // Stored transposed, the same operands give the gradients in the stored layouts.
  g = op.reference(make_case("batched_gemm", batched(1, 1, 1, 2, true, true), "backward"),
                   {{"A", {1, 2, 1}, {1, 2}}, {"B", {1, 1, 2}, {3, 4}}, {"dC", {1, 1, 1}, {2}}});
  EXPECT_EQ(g[0].shape, (std::vector<int64_t>{1, 2, 1}));
  EXPECT_EQ(g[1].shape, (std::vector<int64_t>{1, 1, 2}));
  EXPECT_EQ(g[0].data, (std::vector<float>{6, 8}));
  EXPECT_EQ(g[1].data, (std::vector<float>{2, 4}));
}

// dA and dB against central differences of Σ dC·C, in all four layouts. The op is bilinear, so
// the differences are exact up to the rounding of C to float32.
TEST(BlasOps, BatchedGemmBackwardMatchesFiniteDifferences) {
  const OpDef& op = find_op("batched_gemm");
  for (bool ta : {false, true})
    for (bool tb : {false, true}) {
      SCOPED_TRACE(testing::Message() << "trans_a " << ta << " trans_b " << tb);
      const nlohmann::json p = batched(2, 3, 4, 5, ta, tb);
      const CaseSpec fwd = make_case("batched_gemm", p), bwd = make_case("batched_gemm", p, "backward");
      const auto bwd_in = op.make_inputs(bwd);
      auto in = op.make_inputs(fwd);
      ASSERT_EQ(bwd_in.at(2).name, "dC");
      const auto grads = op.reference(bwd, bwd_in);
      for (size_t t = 0; t < 2; ++t)
        for (size_t i = 0; i < in[t].data.size(); ++i) {
          const float x = in[t].data[i];
          in[t].data[i] = x + 0.25f;
          const double fp = op_checks::objective(op, fwd, in, &bwd_in[2]);
          in[t].data[i] = x - 0.25f;
          const double fm = op_checks::objective(op, fwd, in, &bwd_in[2]);
          in[t].data[i] = x;
          EXPECT_NEAR((fp - fm) / 0.5, grads[t].data[i], 1e-5) << grads[t].name << "[" << i << "]";
        }
    }
}

// A float32 product in plain loop order passes; a result for the wrong layout does not.
TEST(BlasOps, Float32ResultsPassAndLayoutMistakesFail) {
  const OpDef& op = find_op("batched_gemm");
  const CaseSpec c = make_case("batched_gemm", batched(2, 16, 12, 300));
  const auto in = op.make_inputs(c);
  const auto ref = op.reference(c, in);
  std::vector<float> f32(2 * 16 * 12);
  for (int b = 0; b < 2; ++b)
    for (int i = 0; i < 16; ++i)
      for (int j = 0; j < 12; ++j) {
        float acc = 0;
        for (int p = 0; p < 300; ++p) acc += in[0].data[(b * 16 + i) * 300 + p] * in[1].data[(b * 300 + p) * 12 + j];
        f32[(b * 16 + i) * 12 + j] = acc;
      }
  const Validation ok = op.check(c, in, ref, {f32});
  EXPECT_TRUE(ok.passed) << ok.max_rel_error << " > " << ok.tolerance;
  EXPECT_GT(ok.max_rel_error, 0.0);

  // Batch entries swapped: each slice is a valid product of the wrong operands.
  std::vector<float> swapped(f32.begin() + 192, f32.end());
  swapped.insert(swapped.end(), f32.begin(), f32.begin() + 192);
  const Validation bad = op.check(c, in, ref, {swapped});
  EXPECT_FALSE(bad.passed);
  EXPECT_GT(bad.max_rel_error, 100 * bad.tolerance);
  EXPECT_NE(bad.detail.find("C["), std::string::npos) << bad.detail;

  // gemv with A read untransposed when it is stored transposed.
  const OpDef& gemv = find_op("gemv");
  const CaseSpec gt = make_case("gemv", {{"m", 40}, {"n", 40}, {"trans_a", true}});
  const auto gin = gemv.make_inputs(gt);
  const auto wrong = gemv.reference(make_case("gemv", {{"m", 40}, {"n", 40}}), gin);
  EXPECT_FALSE(gemv.check(gt, gin, gemv.reference(gt, gin), {wrong[0].data}).passed);
}

TEST(BlasOps, CheckPassesTheReferenceAndFailsCorruptedResults) {
  op_checks::expect_check_rejects_corruption(find_op("dot"), make_case("dot", {{"n", 100}}));
  op_checks::expect_check_rejects_corruption(find_op("gemv"), make_case("gemv", {{"m", 7}, {"n", 9}, {"trans_a", true}}));
  for (const char* dir : {"forward", "backward"})
    op_checks::expect_check_rejects_corruption(find_op("batched_gemm"),
                                               make_case("batched_gemm", batched(2, 3, 4, 5, true, false), dir));
}

TEST(BlasOps, BackwardToleranceFollowsEachGradientsReductionLength) {
  const OpDef& op = find_op("batched_gemm");
  // dA reduces over n = 4000, dB over m = 2: an error allowed in dA is far too large for dB.
  const CaseSpec c = make_case("batched_gemm", batched(1, 2, 4000, 3), "backward");
  const auto in = op.make_inputs(c);
  const auto ref = op.reference(c, in);
  auto got = std::vector<std::vector<float>>{ref[0].data, ref[1].data};
  got[1][0] *= 1 + 1e-5f;
  const Validation v = op.check(c, in, ref, got);
  EXPECT_FALSE(v.passed);
  EXPECT_NE(v.detail.find("dB["), std::string::npos) << v.detail;
  got = {ref[0].data, ref[1].data};
  got[0][0] *= 1 + 1e-5f;
  EXPECT_TRUE(op.check(c, in, ref, got).passed);
}

TEST(BlasOps, BadParametersAreRejectedWithTheirName) {
  EXPECT_NE(rejection(find_op("dot"), {{"n", 0}}).find("--n 0 is out of range"), std::string::npos);
  EXPECT_NE(rejection(find_op("dot"), {{"n", (int64_t{1} << 30) + 1}}).find("GiB"), std::string::npos);
  EXPECT_NE(rejection(find_op("gemv"), {{"m", 4}}).find("needs --n"), std::string::npos);
  EXPECT_NE(rejection(find_op("gemv"), {{"m", 4}, {"n", 4}, {"trans_a", 1}}).find("--trans_a must be true or false"),
            std::string::npos);
  EXPECT_NE(rejection(find_op("gemv"), {{"m", 4}, {"n", 4}, {"k", 4}}).find("unknown parameter 'k'"), std::string::npos);
  const OpDef& bg = find_op("batched_gemm");
  EXPECT_NE(rejection(bg, {{"m", 4}, {"n", 4}, {"k", 4}}).find("needs --batch"), std::string::npos);
  EXPECT_NE(rejection(bg, batched(-1, 4, 4, 4)).find("--batch -1 is out of range"), std::string::npos);
  EXPECT_NE(rejection(bg, batched(4, 4, 70000, 4)).find("--n 70000 is out of range"), std::string::npos);
  EXPECT_NE(rejection(bg, batched(1024, 4096, 4096, 4096)).find("GiB"), std::string::npos);
  EXPECT_EQ(rejection(bg, batched(8, 64, 64, 64)), "no error");
}

TEST(BlasOps, DescribeThemselvesAndCountWork) {
  EXPECT_EQ(find_op("dot").shape_label({{"n", 1000}}), "n1000");
  EXPECT_EQ(find_op("gemv").shape_label({{"m", 3}, {"n", 4}, {"trans_a", true}}), "m3-n4-t");
  EXPECT_EQ(find_op("batched_gemm").shape_label(batched(8, 2, 3, 4, false, true)), "b8-m2-n3-k4-nt");
  EXPECT_DOUBLE_EQ(find_op("dot").flops({{"n", 1000}}), 2000);
  EXPECT_DOUBLE_EQ(find_op("dot").bytes({{"n", 1000}}), 4.0 * 2001);
  EXPECT_DOUBLE_EQ(find_op("gemv").flops({{"m", 3}, {"n", 4}}), 24);
  EXPECT_DOUBLE_EQ(find_op("gemv").bytes({{"m", 3}, {"n", 4}}), 4.0 * (12 + 3 + 4));
  EXPECT_DOUBLE_EQ(find_op("batched_gemm").flops(batched(8, 2, 3, 4)), 2.0 * 8 * 2 * 3 * 4);
  EXPECT_DOUBLE_EQ(find_op("batched_gemm").bytes(batched(8, 2, 3, 4)), 4.0 * 8 * (8 + 12 + 6));
  EXPECT_FALSE(find_op("dot").has_backward());
  EXPECT_FALSE(find_op("gemv").has_backward());
  EXPECT_TRUE(find_op("batched_gemm").has_backward());
  EXPECT_EQ(op_checks::names(find_op("batched_gemm").make_inputs(make_case("batched_gemm", batched(1, 2, 2, 2), "backward"))),
            (std::vector<std::string>{"A", "B", "dC"}));
}

}  // namespace
}  // namespace versus
