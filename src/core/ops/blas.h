// The other BLAS-shaped ops, float32, row-major, following gemm's conventions (gemm.h):
//   dot           Z = Σ X[i]·Y[i]                 X, Y: [n]; Z: [1]
//   gemv          Y = op(A)·X                     A: [m, n] ([n, m] when trans_a); X: [n]; Y: [m]
//   batched_gemm  C[b] = op(A[b])·op(B[b])        A: [batch, a_rows, a_cols] as in gemm, etc.
#pragma once
#include <cstdint>

#include <nlohmann/json.hpp>

#include "core/ops/gemm.h"

namespace versus {

struct DotParams {
  int64_t n = 0;
};

struct GemvParams {
  int64_t m = 0, n = 0;
  bool trans_a = false;
};

struct BatchedGemmParams {
  int64_t batch = 0;
  GemmParams g;  // the shape of each product; layouts as in GemmParams
};

// Each throws UserError for missing, unknown, non-positive or absurd parameters.
DotParams parse_dot_params(const nlohmann::json& params);
GemvParams parse_gemv_params(const nlohmann::json& params);
BatchedGemmParams parse_batched_gemm_params(const nlohmann::json& params);

}  // namespace versus
