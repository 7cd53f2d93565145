// The attention sequence-length sweep end to end: a real run over three lengths (native: the one
// worker every build has, the sanitizer builds included) ends in a report with the time and memory charts against seq (log-log, seq² reference) in the
// attention section; series are named by backend and the parameters other than seq.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "report/sequence_chart.h"
#include "test_util.h"

namespace versus {
namespace {

std::string slurp(const std::filesystem::path& p) {
  std::ifstream f(p);
  return {std::istreambuf_iterator<char>(f), {}};
}

TEST(SequenceChart, SeriesAreNamedByBackendAndEveryParameterButSeq) {
  RunRow r;
  r.backend = "torch";
  r.variant = "eager";
  r.params = {{"batch", 2}, {"heads", 4}, {"seq", 512}, {"head_dim", 32}, {"mask", "causal"}, {"impl", "composed"}};
  EXPECT_EQ(sequence_series_title(r), r.label() + " b2 d32 h4 composed causal");
  r.params = {{"batch", 2}, {"heads", 4}, {"seq", 512}, {"head_dim", 32}, {"mask", "none"}, {"impl", "framework"}};
  EXPECT_EQ(sequence_series_title(r), r.label() + " b2 d32 h4");
  r.params = {{"n", 5}};
  EXPECT_EQ(sequence_series_title(r), "");
}

TEST(SequenceChart, AnAttentionSweepIsChartedAgainstSequenceLength) {
  testing::TempDir tmp;
  const auto r = testing::run_versus({"run", "ops", "--op", "attention", "--param", "batch=1", "--param", "heads=2",
                                      "--param", "head_dim=8", "--param", "seq=16,32,64", "--backends", "native",
                                      "--processes", "2", "--quick", "--threads", "1", "--out", tmp.path().string()});
  ASSERT_EQ(r.exit_code, 0) << r.stderr_tail;
  std::filesystem::path folder;
  for (const auto& e : std::filesystem::directory_iterator(tmp.path())) folder = e.path();
  const std::string md = slurp(folder / "report.md");
  if (md.find("no chart: ") != std::string::npos && md.find("gnuplot") != std::string::npos)
    VERSUS_SKIP_UNLESS_REQUIRED("gnuplot is not installed: no chart to check");
  const std::string time_chart = "chart-attention-cpu-float32-t1-seq-time.svg";
  ASSERT_NE(md.find(time_chart), std::string::npos) << md;
  EXPECT_NE(md.find("chart-attention-cpu-float32-t1-seq-memory.svg"), std::string::npos);
  // In the attention group's section, after the section's heading.
  EXPECT_GT(md.find(time_chart), md.find("Operation: attention"));
  const std::string svg = slurp(folder / time_chart);
  EXPECT_NE(svg.find("seq²"), std::string::npos);
  EXPECT_NE(svg.find("native:onednn b1 d8 h2"), std::string::npos);
  EXPECT_NE(svg.find("sequence length"), std::string::npos);
}

}  // namespace
}  // namespace versus
