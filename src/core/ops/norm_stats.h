// The float64 statistics of one normalised group (a batch-norm channel, a layer-norm row) and
// the first-order error analysis both normalisations share (batchnorm.cc derives it):
//   A = mean|x|, Q = (mean x² + 2|mean|·A)/(var + eps), R = A/s + Q/2 + 1 with s = sqrt(var + eps);
//   |δx̂| <= ε·R·(1 + |x̂|) for a relative summation error ε of the group's sums.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "core/ops/scaled_check.h"

namespace versus {

struct NormStats {
  double mean = 0, var = 0, inv_std = 0, abs_mean = 0, q = 0;
  double r() const { return abs_mean * inv_std + q / 2 + 1; }
};

// Statistics of the `m` elements of `x` that `for_each(fn)` visits (fn gets each flat index).
template <class ForEach>
NormStats norm_stats(const std::vector<float>& x, double m, double eps, ForEach&& for_each) {
  NormStats st;
  double sum = 0, abs_sum = 0, sq_sum = 0;
  for_each([&](int64_t i) {
    sum += x[i];
    abs_sum += std::fabs(x[i]);
    sq_sum += static_cast<double>(x[i]) * x[i];
  });
  st.mean = sum / m;
  double dev = 0;
  for_each([&](int64_t i) { dev += (x[i] - st.mean) * (x[i] - st.mean); });
  st.var = dev / m;
  st.inv_std = 1 / std::sqrt(st.var + eps);
  st.abs_mean = abs_sum / m;
  st.q = (sq_sum / m + 2 * std::fabs(st.mean) * st.abs_mean) / (st.var + eps);
  return st;
}

// The tolerance of a normalisation whose longest float32 sum has `m` terms: the probabilistic
// bound min(m, 8·√m)·2⁻²⁴ (Higham and Mary 2019, λ = 8; see batchnorm.cc) plus 8 roundings.
inline double norm_tolerance(double m) { return 1.01 * (std::min(m, 8 * std::sqrt(m)) + 8) * kUnitRoundoff; }

}  // namespace versus
