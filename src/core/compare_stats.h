// Comparing two timings taken in worker processes: the ratio of their central times with a
// Welch interval between processes, the Welch t-test, and the verdict that combines them.
// Processes, not samples, are the unit: a rerun is new processes (core/stats.h says why).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/stats.h"

namespace versus {

struct RatioEstimate {
  double ratio = 0;               // central time of b ÷ central time of a
  double ci_low = 0, ci_high = 0;  // 95 % Welch interval of the ratio, between processes
  // Where the same comparison, rerun with as many processes, lands (95 %): √2 wider.
  double rerun_low = 0, rerun_high = 0;
  double p_value = 1;             // Welch t-test on the processes' log medians, two-sided
  double df = 0;                  // Welch–Satterthwaite degrees of freedom
  double se_log = 0;              // standard error of log(ratio)
  int processes_a = 0, processes_b = 0;
  // Both sides had at least two processes; otherwise the interval knows only the noise inside
  // one process and no verdict is given.
  bool between_processes = false;
};
RatioEstimate process_ratio(const ProcessSamples& a, const ProcessSamples& b);
// The same estimate with `extra_log_sd` (a spread between whole runs that the processes of one
// run cannot see, as a standard deviation of log times, estimated with `extra_df` degrees of
// freedom) added to its uncertainty: interval, rerun range and p-value recomputed, the degrees of
// freedom combined by Welch–Satterthwaite.
RatioEstimate with_run_spread(const RatioEstimate& r, double extra_log_sd, double extra_df);
// The spread between two runs beyond what their processes show, from many cases compared at
// once: the robust spread of the cases' log ratios (1.4826 × MAD, so a few cases that really
// changed do not inflate it) less their median own standard error, as a log standard deviation;
// 0 when the cases' ratios scatter no more than their processes predict, or fewer than 8 cases.
double run_to_run_spread(const std::vector<RatioEstimate>& cases);
// The degrees of freedom of that spread: a MAD is about 37 % as efficient as a standard deviation
// for normal data, so 0.37 × (cases used − 1).
double run_to_run_spread_df(const std::vector<RatioEstimate>& cases);
inline constexpr size_t kMinCasesForRunSpread = 8;
// One process per side (or pooled samples of unknown origin): within-process bootstrap only,
// `between_processes` false.
RatioEstimate sample_ratio(const std::vector<double>& a, const std::vector<double>& b, uint64_t seed = 1);

// FASTER / SLOWER: b's time differs from a's, significantly (p < alpha), and the whole range a
// rerun lands in (rerun_low..rerun_high) lies beyond the equivalence margin. SAME: the whole interval lies inside
// [1/(1+margin), 1+margin]. AMBIGUOUS: the data cannot tell (one process a side, a wide
// interval, or a difference within the margin). `drift` is the machine's own change between two
// runs (report/compare.cc): a difference smaller than it is not called FASTER or SLOWER either.
enum class Verdict { kFaster, kSlower, kSame, kAmbiguous };
std::string to_string(Verdict v);
inline constexpr double kEquivalenceMargin = 0.02;
Verdict judge(const RatioEstimate& r, double alpha = 0.05, double margin = kEquivalenceMargin, double drift = 0);
// Holm's step-down adjustment of p-values tested together (same order as given): a comparison of
// many cases at once keeps its family-wise false-verdict rate at alpha, so a build compared with
// itself yields no verdict at all in 95 % of comparisons, not 95 % of cases.
std::vector<double> holm_adjusted(const std::vector<double>& p_values);
// judge()'s rule in words, for the reports (one source, so the text cannot drift from the code).
std::string verdict_rule_text();

}  // namespace versus
