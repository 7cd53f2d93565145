// Shared by the matrix-product ops (gemm, dot, gemv, batched_gemm): a float64 reference
// product and the norm-based error scale their checks use.
#pragma once
#include <cstdint>
#include <vector>

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

// out (a.rows × b.cols, row-major) = a·b accumulated in float64, rounded once to float32.
void matmul_reference(MatView a, MatView b, float* out);

// Appends, for every element (i, j) of a·b, ‖row i of a‖·‖column j of b‖. By Cauchy–Schwarz this
// bounds Σ|a_ip·b_pj|, so any float32 summation order keeps |error| / scale below depth·2⁻²⁴
// (the forward-error bound of a dot product), while a wrong layout or transpose gives errors of
// order 1/√depth.
void append_product_scale(MatView a, MatView b, std::vector<double>& scale);

// The tolerance for that scale: depth·2⁻²⁴ with 1% margin, never below 1e-6 so tiny products
// are not judged on their last bit.
double product_tolerance(int64_t depth);

}  // namespace versus
