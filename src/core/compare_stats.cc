#include "core/compare_stats.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "core/rng.h"
#include "core/stats.h"

namespace versus {

MannWhitney mann_whitney_u(const std::vector<double>& a, const std::vector<double>& b) {
  MannWhitney r;
  const size_t n1 = a.size(), n2 = b.size();
  if (n1 == 0 || n2 == 0) return r;
  // Rank the pooled samples, ties getting their average rank.
  std::vector<std::pair<double, int>> pooled;
  for (double x : a) pooled.push_back({x, 0});
  for (double x : b) pooled.push_back({x, 1});
  std::sort(pooled.begin(), pooled.end());
  const size_t n = pooled.size();
  double rank_sum_a = 0, tie_term = 0;
  for (size_t i = 0; i < n;) {
    size_t j = i;
    while (j < n && pooled[j].first == pooled[i].first) ++j;
    const double avg_rank = (static_cast<double>(i + 1) + static_cast<double>(j)) / 2.0;
    const double t = static_cast<double>(j - i);
    tie_term += t * t * t - t;
    for (size_t k = i; k < j; ++k)
      if (pooled[k].second == 0) rank_sum_a += avg_rank;
    i = j;
  }
  const double dn1 = static_cast<double>(n1), dn2 = static_cast<double>(n2), dn = static_cast<double>(n);
  r.u = rank_sum_a - dn1 * (dn1 + 1) / 2.0;
  const double mean_u = dn1 * dn2 / 2.0;
  const double var_u = dn1 * dn2 / 12.0 * ((dn + 1) - tie_term / (dn * (dn - 1)));
  if (var_u <= 0) return r;  // every value identical: no evidence of a difference
  const double diff = r.u - mean_u;
  const double corrected = std::max(0.0, std::fabs(diff) - 0.5);
  r.z = (diff < 0 ? -corrected : corrected) / std::sqrt(var_u);
  r.p_value = std::erfc(std::fabs(r.z) / std::sqrt(2.0));
  return r;
}

RatioEstimate median_ratio(const std::vector<double>& a, const std::vector<double>& b, int resamples,
                           uint64_t seed) {
  RatioEstimate r;
  if (a.empty() || b.empty()) return r;
  r.ratio = median(b) / median(a);
  Rng rng(seed);
  std::vector<double> ratios(static_cast<size_t>(resamples));
  std::vector<double> da(a.size()), db(b.size());
  for (auto& x : ratios) {
    for (auto& d : da) d = a[rng.next_u64() % a.size()];
    for (auto& d : db) d = b[rng.next_u64() % b.size()];
    x = median(db) / median(da);
  }
  std::sort(ratios.begin(), ratios.end());
  r.ci_low = ratios[static_cast<size_t>(0.025 * (ratios.size() - 1))];
  r.ci_high = ratios[static_cast<size_t>(std::ceil(0.975 * (ratios.size() - 1)))];
  return r;
}

std::string to_string(Verdict v) {
  switch (v) {
    case Verdict::kFaster: return "FASTER";
    case Verdict::kSlower: return "SLOWER";
    case Verdict::kSame: return "SAME";
    case Verdict::kAmbiguous: break;
  }
  return "AMBIGUOUS";
}

Verdict judge(const RatioEstimate& r, const MannWhitney& mw, double alpha, double margin) {
  if (r.ratio <= 0) return Verdict::kAmbiguous;
  const bool significant = mw.p_value < alpha;
  if (significant && r.ci_high < 1.0 / (1.0 + margin)) return Verdict::kFaster;
  if (significant && r.ci_low > 1.0 + margin) return Verdict::kSlower;
  if (r.ci_low >= 1.0 / (1.0 + margin) && r.ci_high <= 1.0 + margin) return Verdict::kSame;
  return Verdict::kAmbiguous;
}

}  // namespace versus
