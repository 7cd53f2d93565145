// Child processes: output, exit codes, signals, timeouts, resource use.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <thread>

#include "runner/spawn.h"

namespace versus {

TEST(Spawn, CapturesStdoutStdinAndExitCode) {
  const ProcessResult r = run_process({"/bin/cat"}, {}, "hello\n", 10);
  EXPECT_TRUE(r.started);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.stdout_text, "hello\n");
}

TEST(Spawn, PassesExtraEnvironment) {
  const ProcessResult r = run_process({"/usr/bin/env"}, {"VERSUS_SPAWN_TEST=42"}, "", 10);
  EXPECT_NE(r.stdout_text.find("VERSUS_SPAWN_TEST=42"), std::string::npos);
}

TEST(Spawn, ReportsTheSignalThatKilledTheChild) {
  const ProcessResult r = run_process({"/bin/sh", "-c", "kill -SEGV $$"}, {}, "", 10);
  EXPECT_EQ(r.signal, SIGSEGV);
  EXPECT_FALSE(r.timed_out);
}

TEST(Spawn, KillsAHangingChildAtTheDeadline) {
  const ProcessResult r = run_process({"/bin/sleep", "30"}, {}, "", 0.5);
  EXPECT_TRUE(r.timed_out);
  EXPECT_EQ(r.signal, SIGKILL);
  EXPECT_LT(r.wall_seconds, 5.0);
}

// The ranks of a distributed job stop together: a flag raised by another thread kills the child
// (and its process group) within a second. Run under ThreadSanitizer by scripts/sanitize.
TEST(Spawn, ACancelFlagRaisedByAnotherThreadStopsTheChild) {
  std::atomic<bool> cancel{false};
  std::thread raiser([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    cancel = true;
  });
  const ProcessResult r = run_process({"/bin/sh", "-c", "sleep 30 & wait"}, {}, "", 60, 20, {}, &cancel);
  raiser.join();
  EXPECT_TRUE(r.cancelled);
  EXPECT_FALSE(r.timed_out);
  EXPECT_LT(r.wall_seconds, 10.0);
}

TEST(Spawn, AChildThatRepliesButNeverExitsKeepsItsReply) {
  const ProcessResult r = run_process({"/bin/sh", "-c", "echo '{\"status\":\"ok\"}'; exec sleep 60"}, {}, "", 60, 0.5);
  EXPECT_TRUE(r.killed_after_reply);
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.stdout_text, "{\"status\":\"ok\"}\n");
}

TEST(Spawn, MissingExecutableIsAStartError) {
  const ProcessResult r = run_process({"/nonexistent/worker"}, {}, "", 10);
  EXPECT_FALSE(r.started);
  EXPECT_NE(r.start_error.find("/nonexistent/worker"), std::string::npos);
}

TEST(Spawn, MeasuresCpuTimeAndPeakMemory) {
  const ProcessResult r = run_process({"/bin/sh", "-c", "i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done"}, {}, "", 30);
  EXPECT_GT(r.user_cpu_seconds + r.system_cpu_seconds, 0.01);
  EXPECT_GT(r.max_rss_kib, 100);
}

TEST(Spawn, SamplesCpuTimeAndMemoryWhileTheChildRuns) {
  // About a second of busy shell here (more on a slow machine): 0.1 s samples, CPU time rising.
  const ProcessResult r = run_process({"/bin/sh", "-c", "i=0; while [ $i -lt 600000 ]; do i=$((i+1)); done"}, {}, "", 60);
  ASSERT_EQ(r.exit_code, 0);
  ASSERT_GE(r.samples.size(), 3u);
  EXPECT_DOUBLE_EQ(r.sample_interval_seconds, 0.1);
  for (size_t i = 1; i < r.samples.size(); ++i) {
    EXPECT_GT(r.samples[i].seconds, r.samples[i - 1].seconds);
    EXPECT_GE(r.samples[i].cpu_seconds, r.samples[i - 1].cpu_seconds);
  }
  // The samples agree with the kernel's own account of the child, however busy the machine is (a
  // share of the wall time would flake under ctest -j): by the last sample the child had used all
  // its CPU time but what it could use in the wall time left after that sample.
  const double total_cpu = r.user_cpu_seconds + r.system_cpu_seconds;
  EXPECT_GT(total_cpu, 0.05);
  EXPECT_LE(r.samples.back().cpu_seconds, total_cpu + 0.01);
  EXPECT_GE(r.samples.back().cpu_seconds, total_cpu - (r.wall_seconds - r.samples.back().seconds) - 0.02);
  EXPECT_GT(r.samples[1].rss_mib, 0.1);
  EXPECT_LE(r.samples.back().seconds, r.wall_seconds);
}

}  // namespace versus
