// Element types a case may ask for (CaseSpec::dtype): float32, and for gemm and conv2d the
// 16-bit types GPUs compute in, bfloat16 and float16. The harness keeps every tensor in float32:
// a 16-bit case's inputs are generated as float32 and rounded to the type, so they convert
// exactly; the backend computes in the type and its results are widened back, exactly.
#pragma once
#include <string>
#include <vector>

namespace versus {

enum class DType { kFloat32, kBFloat16, kFloat16 };

// Throws UserError for a name other than float32, bfloat16, float16.
DType parse_dtype(const std::string& name);

// The unit roundoff of the type's round-to-nearest: 2⁻²⁴, 2⁻⁸ (bfloat16), 2⁻¹¹ (float16).
double unit_roundoff(DType t);

// Each value rounded to the nearest value of `t` (ties to even), kept as float32; float32: unchanged.
void round_to(DType t, std::vector<float>& values);

}  // namespace versus
