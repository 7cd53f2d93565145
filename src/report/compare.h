// `versus compare A B`: every case present in both results folders, B's time relative to A's,
// with the interval, the Mann-Whitney test and a verdict.
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
  MannWhitney test;
  Verdict verdict = Verdict::kAmbiguous;
  size_t samples_a = 0, samples_b = 0;
};

struct ComparisonResult {
  std::vector<CaseComparison> cases;
  int faster = 0, slower = 0, same = 0, ambiguous = 0, not_compared = 0;
  int regressions = 0;  // SLOWER with the whole interval above 1 + threshold
};

// Throws UserError when a folder is unreadable.
ComparisonResult compare_results(const std::filesystem::path& a, const std::filesystem::path& b, double threshold);
// A Markdown table and a summary, for the terminal.
std::string format_comparison(const ComparisonResult& r, const std::filesystem::path& a,
                              const std::filesystem::path& b, double threshold);

}  // namespace versus
