#include "core/ops/matrix_product.h"

#include <algorithm>
#include <cmath>

#include "core/ops/scaled_check.h"

namespace versus {

void matmul_reference(MatView a, MatView b, float* out) {
  const int64_t m = a.rows, k = a.cols, n = b.cols;
  // Row-major double copies first, then an i-p-j loop the compiler vectorises.
  std::vector<double> ad(static_cast<size_t>(m * k)), bd(static_cast<size_t>(k * n));
  for (int64_t i = 0; i < m; ++i)
    for (int64_t p = 0; p < k; ++p) ad[i * k + p] = a.at(i, p);
  for (int64_t p = 0; p < k; ++p)
    for (int64_t j = 0; j < n; ++j) bd[p * n + j] = b.at(p, j);
  std::vector<double> row(static_cast<size_t>(n));
  for (int64_t i = 0; i < m; ++i) {
    std::fill(row.begin(), row.end(), 0.0);
    for (int64_t p = 0; p < k; ++p) {
      const double aip = ad[i * k + p];
      const double* brow = &bd[p * n];
      for (int64_t j = 0; j < n; ++j) row[j] += aip * brow[j];
    }
    for (int64_t j = 0; j < n; ++j) out[i * n + j] = static_cast<float>(row[j]);
  }
}

void append_product_scale(MatView a, MatView b, std::vector<double>& scale) {
  std::vector<double> row_norm(static_cast<size_t>(a.rows), 0.0), col_norm(static_cast<size_t>(b.cols), 0.0);
  for (int64_t i = 0; i < a.rows; ++i)
    for (int64_t p = 0; p < a.cols; ++p) row_norm[i] += a.at(i, p) * a.at(i, p);
  for (int64_t p = 0; p < b.rows; ++p)
    for (int64_t j = 0; j < b.cols; ++j) col_norm[j] += b.at(p, j) * b.at(p, j);
  scale.reserve(scale.size() + static_cast<size_t>(a.rows * b.cols));
  for (int64_t i = 0; i < a.rows; ++i)
    for (int64_t j = 0; j < b.cols; ++j) scale.push_back(std::sqrt(row_norm[i] * col_norm[j]));
}

std::vector<ViewProduct> gemm_products(const GemmParams& g, const float* a, const float* b, const float* dc) {
  const MatView op_a{a, g.m, g.k, g.trans_a}, op_b{b, g.k, g.n, g.trans_b};
  if (!dc) return {{op_a, op_b}};
  const MatView grad{dc, g.m, g.n, false};
  const ViewProduct da = g.trans_a ? ViewProduct{op_b, grad.t()} : ViewProduct{grad, op_b.t()};
  const ViewProduct db = g.trans_b ? ViewProduct{grad.t(), op_a} : ViewProduct{op_a.t(), grad};
  if (g.b_grad_only) return {db};
  return {da, db};
}

double product_tolerance(int64_t depth) {
  return std::max(1e-6, 1.01 * static_cast<double>(depth) * kUnitRoundoff);
}

}  // namespace versus
