#include "core/stats.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

#include <boost/math/distributions/students_t.hpp>

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

double student_t_975(double df) {
  return boost::math::quantile(boost::math::students_t(std::max(df, 1e-6)), 0.975);
}

double student_t_p_value(double t, double df) {
  if (!std::isfinite(t)) return 0.0;
  return 2 * boost::math::cdf(boost::math::complement(boost::math::students_t(std::max(df, 1e-6)), std::fabs(t)));
}

std::vector<double> process_medians(const ProcessSamples& by_process) {
  std::vector<double> out;
  for (const auto& p : by_process)
    if (!p.empty()) out.push_back(median(p));
  return out;
}

namespace {

// Descriptive statistics of the pooled samples (they say nothing about a rerun on their own).
void describe_pooled(const std::vector<double>& samples, double unstable_cv, Summary& s) {
  s.count = static_cast<int64_t>(samples.size());
  s.mean = mean(samples);
  s.stddev = sample_stddev(samples);
  s.min = *std::min_element(samples.begin(), samples.end());
  s.max = *std::max_element(samples.begin(), samples.end());
  s.cv = s.mean > 0 ? s.stddev / s.mean : 0.0;
  s.unstable = s.cv > unstable_cv;
}

}  // namespace

Summary summarize(const std::vector<double>& samples, uint64_t seed, double unstable_cv) {
  Summary s;
  if (samples.empty()) return s;
  describe_pooled(samples, unstable_cv, s);
  s.processes = 1;
  s.median = median(samples);
  bootstrap_median_ci(samples, kBootstrapResamples, seed, &s.ci_low, &s.ci_high);
  // One process cannot know what another would give: the rerun range is the same interval, and
  // between_processes = false says so.
  s.rerun_low = s.ci_low;
  s.rerun_high = s.ci_high;
  s.method = "percentile bootstrap of the median within one process (says nothing about a rerun)";
  return s;
}

Summary summarize_processes(const ProcessSamples& by_process, uint64_t seed, double unstable_cv) {
  std::vector<double> pooled;
  for (const auto& p : by_process) pooled.insert(pooled.end(), p.begin(), p.end());
  const std::vector<double> medians = process_medians(by_process);
  if (medians.size() < 2) {
    Summary s = summarize(pooled, seed, unstable_cv);
    s.processes = static_cast<int>(medians.size());
    return s;
  }
  Summary s;
  describe_pooled(pooled, unstable_cv, s);
  s.processes = static_cast<int>(medians.size());
  s.between_processes = true;
  // Times are positive and their noise multiplicative: work in logs, so the interval is a ratio
  // interval around the geometric mean and never reaches below zero.
  std::vector<double> logs;
  for (double m : medians) logs.push_back(std::log(std::max(m, 1e-300)));
  const double k = static_cast<double>(logs.size());
  const double centre = mean(logs), spread = sample_stddev(logs);
  const double t = student_t_975(k - 1);
  const double half = t * spread / std::sqrt(k);
  s.median = std::exp(centre);
  s.ci_low = std::exp(centre - half);
  s.ci_high = std::exp(centre + half);
  s.rerun_low = std::exp(centre - half * std::sqrt(2.0));
  s.rerun_high = std::exp(centre + half * std::sqrt(2.0));
  s.between_process_cv = spread;
  s.method = "Student t over the log medians of the worker processes (geometric mean of the process medians)";
  return s;
}

}  // namespace versus
