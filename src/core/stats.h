// Summary statistics of timing samples. A rerun is a new set of worker processes, and processes
// differ by more than the samples inside one (code placement, page colouring, clock and
// neighbours), so the interval of a result is taken *between processes*: each process is summarised
// by its median, and the processes' log medians give a Student-t interval. Samples of one process
// are never resampled as if they were independent runs.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace versus {

// Timing samples grouped by the worker process that took them.
using ProcessSamples = std::vector<std::vector<double>>;

struct Summary {
  int64_t count = 0;               // samples over all processes
  int processes = 0;               // processes with samples
  // The central time: the geometric mean of the processes' medians (one process: its median).
  double median = 0;
  double mean = 0, stddev = 0, min = 0, max = 0;  // over all samples pooled (descriptive only)
  double ci_low = 0, ci_high = 0;  // 95 % confidence interval of the central time
  // Where the central time of a rerun with as many processes lands (95 % prediction interval):
  // √2 wider than the confidence interval, since the rerun has its own noise.
  double rerun_low = 0, rerun_high = 0;
  double cv = 0;                   // pooled stddev / mean
  double between_process_cv = 0;   // stddev of the processes' log medians (≈ relative spread)
  bool unstable = false;           // cv above the threshold
  // False with a single process: the interval then only knows the noise inside that process and
  // cannot say what a rerun gives.
  bool between_processes = false;
  std::string method;              // how the interval was obtained, in words
  // The interval's half-width as a fraction of the central time (0 for a zero time).
  double ci_half_width() const { return median > 0 ? (ci_high - ci_low) / 2 / median : 0; }
};

double median(std::vector<double> values);
double mean(const std::vector<double>& values);
double sample_stddev(const std::vector<double>& values);  // n-1 denominator
// Percentile bootstrap of the median; deterministic for a given seed.
void bootstrap_median_ci(const std::vector<double>& values, int resamples, uint64_t seed,
                         double* low, double* high);
// The two-sided 95 % quantile of Student's t with `df` degrees of freedom (Boost.Math).
double student_t_975(double df);
// Two-sided p-value of a t statistic.
double student_t_p_value(double t, double df);

inline constexpr double kUnstableCv = 0.10;
inline constexpr int kBootstrapResamples = 2000;
// The precision a result aims for: the 95 % interval's half-width at most this fraction of the
// central time. The runner adds worker processes until it is met or its budget of extra processes
// is spent (runner/execute.cc, CaseExecution); a result that still misses it says so.
inline constexpr double kCiHalfWidthTarget = 0.05;
// Samples of one process: the bootstrap of its median (what one process can say of itself).
Summary summarize(const std::vector<double>& samples, uint64_t seed = 1, double unstable_cv = kUnstableCv);
// Samples of several processes: the interval between processes (see the top of this file).
Summary summarize_processes(const ProcessSamples& by_process, uint64_t seed = 1,
                            double unstable_cv = kUnstableCv);
// The medians of each process's samples (processes without samples are left out).
std::vector<double> process_medians(const ProcessSamples& by_process);

}  // namespace versus
