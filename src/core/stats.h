// Summary statistics of timing samples: median, mean, spread, bootstrap confidence interval.
#pragma once
#include <cstdint>
#include <vector>

namespace versus {

struct Summary {
  int64_t count = 0;
  double median = 0, mean = 0, stddev = 0, min = 0, max = 0;
  double ci_low = 0, ci_high = 0;  // 95 % bootstrap interval of the median
  double cv = 0;                   // stddev / mean
  bool unstable = false;           // cv above the threshold
  // The interval's half-width as a fraction of the median (0 for a zero median).
  double ci_half_width() const { return median > 0 ? (ci_high - ci_low) / 2 / median : 0; }
};

double median(std::vector<double> values);
double mean(const std::vector<double>& values);
double sample_stddev(const std::vector<double>& values);  // n-1 denominator
// Percentile bootstrap of the median; deterministic for a given seed.
void bootstrap_median_ci(const std::vector<double>& values, int resamples, uint64_t seed,
                         double* low, double* high);

inline constexpr double kUnstableCv = 0.10;
inline constexpr int kBootstrapResamples = 2000;
// The precision a result aims for: the 95 % interval's half-width at most this fraction of the
// median. The runner adds worker processes until it is met or its budget of extra processes is
// spent (runner/execute.cc); a result that still misses it says so.
inline constexpr double kCiHalfWidthTarget = 0.05;
Summary summarize(const std::vector<double>& samples, uint64_t seed = 1,
                  double unstable_cv = kUnstableCv);

}  // namespace versus
