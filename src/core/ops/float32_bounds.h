// Tolerances of the simple op families, derived from float32 rounding bounds so that a correct
// float32 implementation is never flagged, whatever its summation order.
#pragma once
#include <cstdint>

#include "core/ops/scaled_check.h"  // kUnitRoundoff

namespace versus {

// One result from a handful of correctly rounded operations (each <= 2^-24) and at most one
// exp/log/tanh, which frameworks compute with vectorised approximations accurate to a few ulp:
// 1e-5 is ~170 units of roundoff, room for those while any wrong formula is off by far more.
inline constexpr double kElementwiseTolerance = 1e-5;

// A float32 sum of `terms` values, in any order, is within (terms-1)·2^-24·Σ|x| of the exact
// sum (Higham, Accuracy and Stability of Numerical Algorithms, §4.2); the element-wise budget
// covers the exp/log/division around it.
inline double sum_tolerance(int64_t terms) {
  return kElementwiseTolerance + static_cast<double>(terms) * kUnitRoundoff;
}

}  // namespace versus
