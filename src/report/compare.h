// `versus compare A B`: every case present in both results folders, B's time relative to A's,
// with the Welch interval between processes, the test and a verdict — and, when the machine itself
// drifted between the two runs (its control measurements differ), a margin that absorbs it.
#pragma once
#include <filesystem>
#include <string>
#include <vector>

#include "core/compare_stats.h"

namespace versus {

struct CaseComparison {
  std::string id;
  std::string status;  // "compared", or why not ("only in A", "failed in B: timeout", ...)
  RatioEstimate ratio;
  Verdict verdict = Verdict::kAmbiguous;
  // The machine's drift this case was judged against: the bandwidth's for a case bound by memory
  // (below the ridge, working set beyond the last-level cache), the peak's for the others.
  std::string control;
  double drift = 0;
  size_t samples_a = 0, samples_b = 0;
};

// A control measurement taken in both runs (the roofline's peak and bandwidth): how much the
// machine itself changed between them.
struct ControlDrift {
  std::string name;
  double a = 0, b = 0;
  double ratio() const { return a > 0 ? b / a : 0; }
};

struct ComparisonResult {
  // The controls of both runs. A case's difference within the drift of the control that bounds it
  // is the machine's, not the software's, and gets no FASTER or SLOWER.
  std::vector<ControlDrift> controls;
  // The spread between the two runs beyond what their processes show (core/compare_stats.h),
  // as a log standard deviation, added to every case's uncertainty.
  double run_spread = 0;
  std::vector<CaseComparison> cases;
  int faster = 0, slower = 0, same = 0, ambiguous = 0, not_compared = 0;
  int regressions = 0;  // SLOWER with the whole interval above 1 + max(threshold, the case's drift)
};

// Throws UserError when a folder is unreadable.
ComparisonResult compare_results(const std::filesystem::path& a, const std::filesystem::path& b, double threshold);
// A Markdown table and a summary, for the terminal.
std::string format_comparison(const ComparisonResult& r, const std::filesystem::path& a,
                              const std::filesystem::path& b, double threshold);

}  // namespace versus
