// Statistics for comparing two sets of timing samples: the ratio of medians with a bootstrap
// interval, the Mann-Whitney U test, and the verdict that combines them.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace versus {

struct MannWhitney {
  double u = 0;        // U statistic of the first sample
  double z = 0;        // normal approximation, tie-corrected, with continuity correction
  double p_value = 1;  // two-sided
};
MannWhitney mann_whitney_u(const std::vector<double>& a, const std::vector<double>& b);

struct RatioEstimate {
  double ratio = 0;  // median(b) / median(a)
  double ci_low = 0, ci_high = 0;  // 95 % percentile bootstrap, a and b resampled independently
};
RatioEstimate median_ratio(const std::vector<double>& a, const std::vector<double>& b, int resamples = 2000,
                           uint64_t seed = 1);

// FASTER / SLOWER: b's time differs from a's, significantly (p < alpha) and by more than the
// equivalence margin for the whole interval. SAME: the whole interval lies inside
// [1/(1+margin), 1+margin]. AMBIGUOUS: the data cannot tell (too few samples, wide interval).
enum class Verdict { kFaster, kSlower, kSame, kAmbiguous };
std::string to_string(Verdict v);
Verdict judge(const RatioEstimate& r, const MannWhitney& mw, double alpha = 0.05, double margin = 0.02);

}  // namespace versus
