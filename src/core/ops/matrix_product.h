// Shared by the matrix-product ops (gemm, dot, gemv, batched_gemm): a float64 reference
// product, the norm-based error scale their checks use, and the products behind a GEMM's
// forward and backward passes.
#pragma once
#include <cstdint>
#include <vector>

#include "core/ops/gemm.h"

namespace versus {

// A rows×cols matrix read from row-major float32 storage that holds either it (rows×cols) or
// its transpose (cols×rows).
struct MatView {
  const float* data;
  int64_t rows, cols;
  bool transposed = false;

  double at(int64_t i, int64_t j) const {
    return transposed ? data[j * rows + i] : data[i * cols + j];
  }
  MatView t() const { return {data, cols, rows, !transposed}; }
};

// left·right: one matrix product of views, left.rows × right.cols, reducing over left.cols.
struct ViewProduct {
  MatView left, right;
  int64_t size() const { return left.rows * right.cols; }
};

// The products giving a GEMM's outputs, in output order, over A, B and (backward) dC stored as
// GemmParams says. Forward (dc null): C = op(A)·op(B). Backward, with G = dC: the gradient of
// op(A) is G·op(B)ᵀ and that of op(B) is op(A)ᵀ·G; dA and dB are returned in the stored layouts
// of A and B, so a transposed operand gets the transposed gradient (op(B)·Gᵀ, Gᵀ·op(A)), formed
// as a product of views, never by copying. Backends that take (data, rows, cols, transposed)
// operands can run these products as they stand.
std::vector<ViewProduct> gemm_products(const GemmParams& g, const float* a, const float* b, const float* dc);

// out (a.rows × b.cols, row-major) = a·b accumulated in float64, rounded once to float32.
void matmul_reference(MatView a, MatView b, float* out);

// Appends, for every element (i, j) of a·b, ‖row i of a‖·‖column j of b‖. By Cauchy–Schwarz this
// bounds Σ|a_ip·b_pj|, so any float32 summation order keeps |error| / scale below depth·2⁻²⁴
// (the forward-error bound of a dot product), while a wrong layout or transpose gives errors of
// order 1/√depth.
void append_product_scale(MatView a, MatView b, std::vector<double>& scale);

// The metric a check by that scale reports, for products whose factors are not simply A and B.
inline constexpr const char* kProductMetric = "|err| / (||row of left factor||·||column of right factor||)";

// The tolerance for that scale: depth·2⁻²⁴ with 1% margin, never below 1e-6 so tiny products
// are not judged on their last bit.
double product_tolerance(int64_t depth);

}  // namespace versus
