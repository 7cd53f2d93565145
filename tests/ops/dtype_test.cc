// 16-bit element types: rounding to bfloat16 and float16 (ties to even), their unit roundoffs, and
// the gemm and conv2d checks that admit a 16-bit result's own rounding but not 16-bit accumulation.
#include <gtest/gtest.h>

#include <cmath>

#include "core/errors.h"
#include "core/ops/dtype.h"
#include "op_checks.h"

namespace versus {
namespace {

using op_checks::make_case;

TEST(DType, RoundsToTheNearestValueTiesToEven) {
  std::vector<float> v = {1.0f, 1.0f + 0x1p-8f, 1.0f + 0x1p-7f + 0x1p-8f, 1.0f + 0x1p-7f + 0x1p-9f, -3.14159265f};
  round_to(DType::kBFloat16, v);  // 8 significant bits: steps of 2⁻⁷ just above 1
  EXPECT_EQ(v[0], 1.0f);
  EXPECT_EQ(v[1], 1.0f);                   // halfway: to the even neighbour, 1
  EXPECT_EQ(v[2], 1.0f + 0x1p-6f);         // halfway between 1+2⁻⁷ (odd) and 1+2⁻⁶: up, to even
  EXPECT_EQ(v[3], 1.0f + 0x1p-7f);         // below halfway: down
  EXPECT_EQ(v[4], -3.140625f);
  std::vector<float> h = {1.0f + 0x1p-11f, 2049.0f, 2051.0f, 65504.0f};
  round_to(DType::kFloat16, h);  // 11 significant bits
  EXPECT_EQ(h[0], 1.0f);
  EXPECT_EQ(h[1], 2048.0f);
  EXPECT_EQ(h[2], 2052.0f);
  EXPECT_EQ(h[3], 65504.0f);  // the largest float16
  std::vector<float> f = {0.1f};
  round_to(DType::kFloat32, f);
  EXPECT_EQ(f[0], 0.1f);
  EXPECT_EQ(unit_roundoff(DType::kBFloat16), 0x1p-8);
  EXPECT_EQ(unit_roundoff(DType::kFloat16), 0x1p-11);
  EXPECT_EQ(unit_roundoff(DType::kFloat32), 0x1p-24);
  EXPECT_THROW(parse_dtype("int4"), UserError);
}

// A 16-bit case's inputs are exact in its type; its check admits the result's rounding to the type
// (float32 accumulation, as cuBLAS and oneDNN do) and refuses accumulation in the 16-bit type.
TEST(DType, GemmAndConvChecksAdmitOutputRoundingNotSixteenBitSums) {
  const OpDef& gemm = find_op("gemm");
  CaseSpec c = make_case("gemm", {{"m", 16}, {"n", 16}, {"k", 512}});
  c.dtype = "bfloat16";
  // Positive inputs, so that the sums grow: a 16-bit accumulator then stagnates, as it does in
  // real layers whose products share a sign.
  auto in = gemm.make_inputs(c);
  for (HostTensor& t : in)
    for (float& v : t.data) v = std::fabs(v);
  for (const HostTensor& t : in) {
    std::vector<float> again = t.data;
    round_to(DType::kBFloat16, again);
    EXPECT_EQ(again, t.data) << t.name;
  }
  const auto ref = gemm.reference(c, in);
  std::vector<float> rounded = ref[0].data, accumulated(ref[0].data.size());
  round_to(DType::kBFloat16, rounded);
  EXPECT_TRUE(gemm.check(c, in, ref, {rounded}).passed);
  CaseSpec as_float32 = c;
  as_float32.dtype = "float32";
  EXPECT_FALSE(gemm.check(as_float32, in, ref, {rounded}).passed);  // float32's tolerance is far tighter
  // Every partial sum rounded to bfloat16, as a CPU fallback without a wider accumulator does.
  for (int64_t i = 0; i < 16; ++i)
    for (int64_t j = 0; j < 16; ++j) {
      std::vector<float> acc = {0.0f};
      for (int64_t p = 0; p < 512; ++p) {
        acc[0] += in[0].data[i * 512 + p] * in[1].data[p * 16 + j];
        round_to(DType::kBFloat16, acc);
      }
      accumulated[i * 16 + j] = acc[0];
    }
  EXPECT_FALSE(gemm.check(c, in, ref, {accumulated}).passed);

  const OpDef& conv = find_op("conv2d");
  CaseSpec k = make_case("conv2d", {{"n", 2}, {"c", 8}, {"h", 6}, {"w", 6}, {"k", 4}, {"r", 3}, {"s", 3}, {"pad", 1}});
  k.dtype = "float16";
  const auto cin = conv.make_inputs(k);
  const auto cref = conv.reference(k, cin);
  std::vector<float> y = cref[0].data;
  round_to(DType::kFloat16, y);
  EXPECT_TRUE(conv.check(k, cin, cref, {y}).passed);
  y[0] += 0.25f * std::fabs(y[0]) + 0.25f;
  EXPECT_FALSE(conv.check(k, cin, cref, {y}).passed);
}

}  // namespace
}  // namespace versus
