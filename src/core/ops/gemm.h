// GEMM: C = op(A) · op(B), float32, row-major; op(X) is X or Xᵀ.
#pragma once
#include <cstdint>

#include <nlohmann/json.hpp>

namespace versus {

struct GemmParams {
  int64_t m = 0, n = 0, k = 0;
  bool trans_a = false, trans_b = false;
  // Backward computes dB alone: B is a dense layer's weight, and a network's first layer never
  // needs the gradient of its input A.
  bool b_grad_only = false;
  // A is stored m×k (k×m when trans_a); B is k×n (n×k when trans_b); C is m×n.
  int64_t a_rows() const { return trans_a ? k : m; }
  int64_t a_cols() const { return trans_a ? m : k; }
  int64_t b_rows() const { return trans_b ? n : k; }
  int64_t b_cols() const { return trans_b ? k : n; }
};

// Throws UserError for missing, non-positive or absurd sizes.
GemmParams parse_gemm_params(const nlohmann::json& params);

}  // namespace versus
