#include "core/compare_stats.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "core/rng.h"

namespace versus {
namespace {

std::vector<double> logs_of(const std::vector<double>& values) {
  std::vector<double> out;
  for (double v : values) out.push_back(std::log(std::max(v, 1e-300)));
  return out;
}

}  // namespace

RatioEstimate process_ratio(const ProcessSamples& a, const ProcessSamples& b) {
  const std::vector<double> ma = process_medians(a), mb = process_medians(b);
  if (ma.size() < 2 || mb.size() < 2) {
    std::vector<double> pa, pb;
    for (const auto& p : a) pa.insert(pa.end(), p.begin(), p.end());
    for (const auto& p : b) pb.insert(pb.end(), p.begin(), p.end());
    RatioEstimate r = sample_ratio(pa, pb);
    r.processes_a = static_cast<int>(ma.size());
    r.processes_b = static_cast<int>(mb.size());
    return r;
  }
  RatioEstimate r;
  r.processes_a = static_cast<int>(ma.size());
  r.processes_b = static_cast<int>(mb.size());
  r.between_processes = true;
  const std::vector<double> la = logs_of(ma), lb = logs_of(mb);
  const double ka = static_cast<double>(la.size()), kb = static_cast<double>(lb.size());
  const double diff = mean(lb) - mean(la);
  const double va = std::pow(sample_stddev(la), 2) / ka, vb = std::pow(sample_stddev(lb), 2) / kb;
  const double se = std::sqrt(va + vb);
  r.ratio = std::exp(diff);
  r.se_log = se;
  if (se == 0) {  // identical processes on both sides: the difference is exact
    r.df = ka + kb - 2;
    r.ci_low = r.ci_high = r.rerun_low = r.rerun_high = r.ratio;
    r.p_value = diff == 0 ? 1.0 : 0.0;
    return r;
  }
  r.df = (va + vb) * (va + vb) / (va * va / (ka - 1) + vb * vb / (kb - 1));
  const double t = student_t_975(r.df);
  r.ci_low = std::exp(diff - t * se);
  r.ci_high = std::exp(diff + t * se);
  r.rerun_low = std::exp(diff - t * se * std::sqrt(2.0));
  r.rerun_high = std::exp(diff + t * se * std::sqrt(2.0));
  r.p_value = student_t_p_value(diff / se, r.df);
  return r;
}

RatioEstimate sample_ratio(const std::vector<double>& a, const std::vector<double>& b, uint64_t seed) {
  RatioEstimate r;
  if (a.empty() || b.empty()) return r;
  r.processes_a = r.processes_b = 1;
  r.ratio = median(b) / median(a);
  Rng rng(seed);
  std::vector<double> ratios(static_cast<size_t>(kBootstrapResamples));
  std::vector<double> da(a.size()), db(b.size());
  for (auto& x : ratios) {
    for (auto& d : da) d = a[rng.next_u64() % a.size()];
    for (auto& d : db) d = b[rng.next_u64() % b.size()];
    x = median(db) / median(da);
  }
  std::sort(ratios.begin(), ratios.end());
  r.ci_low = r.rerun_low = ratios[static_cast<size_t>(0.025 * (ratios.size() - 1))];
  r.ci_high = r.rerun_high = ratios[static_cast<size_t>(std::ceil(0.975 * (ratios.size() - 1)))];
  return r;
}

RatioEstimate with_run_spread(const RatioEstimate& r, double extra_log_sd, double extra_df) {
  if (!r.between_processes || extra_log_sd <= 0) return r;
  RatioEstimate w = r;
  const double diff = std::log(r.ratio);
  const double own = r.se_log * r.se_log, extra = extra_log_sd * extra_log_sd;
  w.se_log = std::sqrt(own + extra);
  w.df = (own + extra) * (own + extra) / (own * own / std::max(r.df, 1.0) + extra * extra / std::max(extra_df, 1.0));
  const double t = student_t_975(w.df);
  w.ci_low = std::exp(diff - t * w.se_log);
  w.ci_high = std::exp(diff + t * w.se_log);
  w.rerun_low = std::exp(diff - t * w.se_log * std::sqrt(2.0));
  w.rerun_high = std::exp(diff + t * w.se_log * std::sqrt(2.0));
  w.p_value = student_t_p_value(diff / w.se_log, w.df);
  return w;
}

double run_to_run_spread(const std::vector<RatioEstimate>& cases) {
  std::vector<double> logs, own;
  for (const auto& c : cases)
    if (c.between_processes && c.ratio > 0) logs.push_back(std::log(c.ratio)), own.push_back(c.se_log);
  if (logs.size() < kMinCasesForRunSpread) return 0;
  const double centre = median(logs);
  std::vector<double> deviations;
  for (double x : logs) deviations.push_back(std::fabs(x - centre));
  const double robust_sd = 1.4826 * median(deviations);
  const double typical_own = median(own);
  return std::sqrt(std::max(0.0, robust_sd * robust_sd - typical_own * typical_own));
}

double run_to_run_spread_df(const std::vector<RatioEstimate>& cases) {
  size_t used = 0;
  for (const auto& c : cases) used += c.between_processes && c.ratio > 0;
  return used < 2 ? 1.0 : 0.37 * static_cast<double>(used - 1);
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

std::vector<double> holm_adjusted(const std::vector<double>& p) {
  std::vector<size_t> order(p.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return p[a] < p[b]; });
  std::vector<double> adjusted(p.size());
  double running = 0;
  for (size_t rank = 0; rank < order.size(); ++rank) {
    running = std::max(running, std::min(1.0, static_cast<double>(p.size() - rank) * p[order[rank]]));
    adjusted[order[rank]] = running;
  }
  return adjusted;
}

std::string verdict_rule_text() {
  const double hi = 1 + kEquivalenceMargin, lo = 1 / hi;
  return fmt::format("SLOWER: significant (p < 0.05) and the whole range a rerun lands in (the 95 % interval √2 wider) "
                     "above {:.2f}, so a rerun would repeat the verdict. SAME: the whole 95 % interval within [{:.2f}, "
                     "{:.2f}]. AMBIGUOUS: the data cannot tell — more processes or a quieter machine would; a result "
                     "measured in one process only is always AMBIGUOUS.",
                     hi, lo, hi);
}

Verdict judge(const RatioEstimate& r, double alpha, double margin, double drift) {
  if (r.ratio <= 0 || !r.between_processes) return Verdict::kAmbiguous;
  const bool significant = r.p_value < alpha;
  const double beyond = std::max(margin, drift);
  // A verdict is one a rerun would repeat: the whole range a rerun lands in must clear the margin,
  // not only the confidence interval (which alone calls ~5 % of A/A comparisons different).
  if (significant && r.rerun_high < 1.0 / (1.0 + beyond)) return Verdict::kFaster;
  if (significant && r.rerun_low > 1.0 + beyond) return Verdict::kSlower;
  // SAME only where the machine itself held still: within a drift larger than the margin the
  // data cannot say the software is unchanged either.
  if (drift <= margin && r.ci_low >= 1.0 / (1.0 + margin) && r.ci_high <= 1.0 + margin) return Verdict::kSame;
  return Verdict::kAmbiguous;
}

}  // namespace versus
