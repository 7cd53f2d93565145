#include "core/stats.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

#include "core/rng.h"

namespace versus {

double median(std::vector<double> v) {
  if (v.empty()) throw std::invalid_argument("median of no samples");
  const size_t mid = v.size() / 2;
  std::nth_element(v.begin(), v.begin() + mid, v.end());
  if (v.size() % 2 == 1) return v[mid];
  const double upper = v[mid];
  const double lower = *std::max_element(v.begin(), v.begin() + mid);
  return 0.5 * (lower + upper);
}

double mean(const std::vector<double>& v) {
  if (v.empty()) throw std::invalid_argument("mean of no samples");
  return std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
}

double sample_stddev(const std::vector<double>& v) {
  if (v.size() < 2) return 0.0;
  const double m = mean(v);
  double ss = 0;
  for (double x : v) ss += (x - m) * (x - m);
  return std::sqrt(ss / static_cast<double>(v.size() - 1));
}

void bootstrap_median_ci(const std::vector<double>& v, int resamples, uint64_t seed, double* low,
                         double* high) {
  if (v.empty()) throw std::invalid_argument("bootstrap of no samples");
  Rng rng(seed);
  std::vector<double> medians(static_cast<size_t>(resamples));
  std::vector<double> draw(v.size());
  for (auto& m : medians) {
    for (auto& d : draw) d = v[rng.next_u64() % v.size()];
    m = median(draw);
  }
  std::sort(medians.begin(), medians.end());
  auto at = [&](double q) {
    const double pos = q * static_cast<double>(medians.size() - 1);
    const size_t i = static_cast<size_t>(pos);
    const double frac = pos - static_cast<double>(i);
    return i + 1 < medians.size() ? medians[i] * (1 - frac) + medians[i + 1] * frac : medians[i];
  };
  *low = at(0.025);
  *high = at(0.975);
}

Summary summarize(const std::vector<double>& samples, uint64_t seed, double unstable_cv) {
  Summary s;
  s.count = static_cast<int64_t>(samples.size());
  if (samples.empty()) return s;
  s.median = median(samples);
  s.mean = mean(samples);
  s.stddev = sample_stddev(samples);
  s.min = *std::min_element(samples.begin(), samples.end());
  s.max = *std::max_element(samples.begin(), samples.end());
  s.cv = s.mean > 0 ? s.stddev / s.mean : 0.0;
  bootstrap_median_ci(samples, kBootstrapResamples, seed, &s.ci_low, &s.ci_high);
  s.unstable = s.cv > unstable_cv;
  return s;
}

}  // namespace versus
