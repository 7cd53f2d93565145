// A worker that crashes or hangs becomes a recorded failure with its reason, and the suite goes on.
#include <gtest/gtest.h>

#include <cstdlib>

#include "core/errors.h"
#include "core/memory_limit.h"
#include "core/stats.h"
#include "runner/execute.h"
#include "runner/suite_runner.h"
#include "test_util.h"

namespace versus {
namespace {

// gcc says __SANITIZE_ADDRESS__/__SANITIZE_THREAD__, clang __has_feature.
#if defined(__has_feature)
#define VERSUS_CLANG_SANITIZED (__has_feature(address_sanitizer) || __has_feature(thread_sanitizer))
#else
#define VERSUS_CLANG_SANITIZED 0
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__) || VERSUS_CLANG_SANITIZED
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif

std::vector<std::string> native_variants(const std::string&, const std::string&) { return {"openblas", "onednn", "eigen"}; }

class RunnerFailures : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!testing::worker_built("native")) GTEST_SKIP() << "native worker not built";
    ::setenv("VERSUS_WORKER_DIR", testing::bin_dir().c_str(), 1);
  }
  void TearDown() override {
    ::unsetenv("VERSUS_TEST_CRASH_VARIANT");
    ::unsetenv("VERSUS_TEST_HANG_VARIANT");
    ::unsetenv("VERSUS_TEST_NOISY_VARIANT");
    ::unsetenv("VERSUS_TEST_PROCESS_SHIFT_FILE");
    ::unsetenv("VERSUS_TEST_PROCESS_SHIFT");
    ::unsetenv("VERSUS_TEST_ALLOCATE_MIB");
    set_worker_memory_limit(0);
  }
};

}  // namespace

TEST_F(RunnerFailures, CrashAndHangAreRecordedAndTheSuiteContinues) {
  ::setenv("VERSUS_TEST_CRASH_VARIANT", "onednn", 1);
  ::setenv("VERSUS_TEST_HANG_VARIANT", "eigen", 1);
  const nlohmann::json suite = {{"name", "failures"}, {"backends", {"native"}}, {"quick", true},
                                // The timeout also bounds the runs that must pass: long enough for a
                                // worker to start and finish on two busy cores, short for the hang.
                                {"processes", 2}, {"timeout_seconds", 6},
                                {"cases", {{{"op", "gemm"}, {"sizes", {16, 32}}}}}};
  const SuitePlan plan = expand_suite(suite, native_variants, 1);
  ASSERT_EQ(plan.cases.size(), 6u);
  testing::TempDir tmp;
  const ResultsDir dir = ResultsDir::create_new(tmp.path(), plan.name);
  dir.write_plan(plan);
  const std::map<std::string, WorkerInfo> workers = {{"native", probe_worker("native")}};
  ASSERT_TRUE(workers.at("native").available) << workers.at("native").problem;

  const SuiteTally t = run_suite(dir, plan, {}, workers, false);
  EXPECT_EQ(t.ran, 6);
  EXPECT_EQ(t.ok, 2);
  EXPECT_EQ(t.failed, 4);

  std::map<std::string, nlohmann::json> by_variant;
  for (const auto& doc : dir.read_runs())
    if (doc["case"]["params"]["m"] == 32) by_variant[doc["case"]["variant"]] = doc;
  ASSERT_EQ(by_variant.size(), 3u);
  EXPECT_EQ(by_variant["openblas"]["status"], "ok");
  // 2 processes, or up to 4 where the interval was wider than the target (a noisy machine).
  const auto& ok_run = by_variant["openblas"];
  EXPECT_EQ(ok_run["samples_seconds"].size(), ok_run["processes"].size() * quick_timing().samples);
  EXPECT_GE(ok_run["processes"].size(), 2u);
  EXPECT_LE(ok_run["processes"].size(), 4u);

  const auto& crashed = by_variant["onednn"];
  EXPECT_EQ(crashed["status"], "crashed");
  EXPECT_NE(crashed["reason"].get<std::string>().find("signal 6"), std::string::npos) << crashed["reason"];
  EXPECT_EQ(crashed["processes"].size(), 1u);  // a failing case is not repeated
  EXPECT_FALSE(crashed.contains("summary"));

  const auto& hung = by_variant["eigen"];
  EXPECT_EQ(hung["status"], "timeout");
  EXPECT_NE(hung["reason"].get<std::string>().find("no result within 6 s"), std::string::npos) << hung["reason"];
  EXPECT_LT(hung["processes"][0]["process"]["wall_seconds"].get<double>(), 15.0);
}

// --memory-limit: a worker that needs more is "out of memory" naming the limit, the others run
// under the same limit and pass, and the limit is part of the plan (a resumed suite keeps it).
TEST_F(RunnerFailures, AWorkerOverTheMemoryLimitIsOutOfMemoryAndTheSuiteGoesOn) {
  if (kSanitized) GTEST_SKIP() << "a sanitized worker's shadow memory counts against RLIMIT_DATA: none runs in 128 MiB";
  ::setenv("VERSUS_TEST_ALLOCATE_MIB", "onednn:256", 1);
  const nlohmann::json suite = {{"name", "memory"}, {"backends", {"native"}}, {"quick", true}, {"processes", 1},
                                {"timeout_seconds", 120}, {"memory_limit_bytes", 128 << 20},
                                {"cases", {{{"op", "gemm"}, {"sizes", {32}}}}}};
  const SuitePlan plan = expand_suite(suite, native_variants, 1);
  EXPECT_EQ(nlohmann::json(plan).get<SuitePlan>().settings.memory_limit_bytes, 128 << 20);
  testing::TempDir tmp;
  const ResultsDir dir = ResultsDir::create_new(tmp.path(), plan.name);
  dir.write_plan(plan);
  const std::map<std::string, WorkerInfo> workers = {{"native", probe_worker("native")}};
  const SuiteTally t = run_suite(dir, plan, {}, workers, false);
  EXPECT_EQ(t.ran, 3);
  EXPECT_EQ(t.ok, 2);
  std::map<std::string, nlohmann::json> by_variant;
  for (const auto& doc : dir.read_runs()) by_variant[doc["case"]["variant"]] = doc;
  const auto& oom = by_variant["onednn"];
  EXPECT_EQ(oom["status"], "out_of_memory") << oom.dump().substr(0, 600);
  EXPECT_NE(oom["reason"].get<std::string>().find("needed more than --memory-limit 128 MiB (worker error: std::bad_alloc)"),
            std::string::npos)
      << oom["reason"];
  EXPECT_EQ(by_variant["openblas"]["status"], "ok");
  EXPECT_EQ(by_variant["eigen"]["status"], "ok");
}

TEST(MemoryLimit, SizesParseAndBadOnesAreNamed) {
  EXPECT_EQ(parse_memory_size("512M"), int64_t{512} << 20);
  EXPECT_EQ(parse_memory_size("2G"), int64_t{2} << 30);
  EXPECT_EQ(parse_memory_size("1.5GiB"), int64_t{3} << 29);
  EXPECT_EQ(parse_memory_size("300000000"), 300000000);
  EXPECT_EQ(format_memory_size(int64_t{3} << 29), "1.5 GiB");
  for (const char* bad : {"lots", "2X", "-1G", ""}) {
    try {
      parse_memory_size(bad);
      ADD_FAILURE() << bad;
    } catch (const UserError& e) {
      EXPECT_NE(std::string(e.what()).find("is not a size: say e.g. 512M or 2G"), std::string::npos) << e.what();
    }
  }
  EXPECT_THROW(parse_memory_size("1M"), UserError);  // below what any framework starts in
  // Only failures that say an allocation failed become out of memory; a crash says the limit.
  const auto oom = classify_out_of_memory({{"status", "error"}, {"reason", "torch (Python) raised MemoryError"}}, 1 << 30);
  EXPECT_EQ(oom["status"], "out_of_memory");
  const auto other = classify_out_of_memory({{"status", "error"}, {"reason", "shape mismatch"}}, 1 << 30);
  EXPECT_EQ(other["status"], "error");
  const auto crash = classify_out_of_memory({{"status", "crashed"}, {"reason", "worker killed by signal 11"}}, 1 << 30);
  EXPECT_EQ(crash["reason"], "worker killed by signal 11 (it ran under --memory-limit 1 GiB, which may be why)");
  EXPECT_EQ(classify_out_of_memory({{"status", "error"}, {"reason", "bad_alloc"}}, 0)["status"], "error");  // no limit
}

// A case whose processes differ (±30 % between them) gets extra worker processes, up to as many
// again as planned, and a result still wider than the target says so instead of passing as a
// precise number.
TEST_F(RunnerFailures, ANoisyCaseGetsExtraProcessesAndIsMarkedWhenStillWide) {
  testing::TempDir tmp;
  ::setenv("VERSUS_TEST_NOISY_VARIANT", "openblas", 1);
  ::setenv("VERSUS_TEST_PROCESS_SHIFT_FILE", (tmp.path() / "counter").c_str(), 1);
  ::setenv("VERSUS_TEST_PROCESS_SHIFT", "0.3", 1);
  CaseSpec c;
  c.op = "gemm";
  c.params = {{"m", 8}, {"n", 8}, {"k", 8}};
  c.backend = "native";
  c.variant = "openblas";
  c.threads = 1;
  c.timing = {1, 0.0, 4, 0.0};  // one iteration per sample: every sample shows the scatter
  RunSettings s = default_settings(true);
  s.processes = 2;
  const nlohmann::json doc = execute_case(c, s, probe_worker("native"), nlohmann::json::object());
  ASSERT_EQ(doc["status"], "ok") << doc.dump();
  const nlohmann::json& sum = doc["summary"];
  EXPECT_EQ(doc["processes"].size(), 4u);
  EXPECT_EQ(sum["extra_processes"], 2);
  EXPECT_EQ(sum["processes"], 4);
  EXPECT_EQ(doc["samples_seconds"].size(), 16u);
  EXPECT_GT(sum["ci_half_width"].get<double>(), sum["ci_half_width_target"].get<double>());
  EXPECT_DOUBLE_EQ(sum["ci_half_width_target"].get<double>(), kCiHalfWidthTarget);
  EXPECT_TRUE(sum["between_processes"].get<bool>());
  EXPECT_NE(sum["interval_method"].get<std::string>().find("Student t"), std::string::npos);
}

TEST_F(RunnerFailures, ResultDocumentCarriesStatisticsAndProvenance) {
  CaseSpec c;
  c.op = "gemm";
  c.params = {{"m", 64}, {"n", 64}, {"k", 64}};
  c.backend = "native";
  c.variant = "openblas";
  c.threads = 1;
  c.timing = quick_timing();
  RunSettings s = default_settings(true);
  s.processes = 3;
  const nlohmann::json ctx = {{"roofline", {{"peak_gflops", 100.0}, {"bandwidth_gbs", 10.0}, {"threads", 2}}}};
  const nlohmann::json doc = execute_case(c, s, probe_worker("native"), ctx);
  ASSERT_EQ(doc["status"], "ok") << doc.dump();
  EXPECT_EQ(doc["schema"], "versus.result/1");
  const auto& sum = doc["summary"];
  // 3 planned processes, plus extra ones only while the interval was wider than the target.
  EXPECT_EQ(doc["processes"].size(), 3u + sum["extra_processes"].get<size_t>());
  EXPECT_EQ(sum["processes"].get<size_t>(), doc["processes"].size());
  EXPECT_EQ(doc["samples_seconds"].size(), doc["processes"].size() * c.timing.samples);
  EXPECT_LE(sum["ci_low"].get<double>(), sum["median"].get<double>());
  EXPECT_GE(sum["ci_high"].get<double>(), sum["median"].get<double>());
  EXPECT_NEAR(doc["gflops"]["median"].get<double>(), 2.0 * 64 * 64 * 64 / sum["median"].get<double>() * 1e-9, 1e-6);
  // One thread of a two-thread roofline: half the peak; intensity 2·64³/(3·64²·4) = 10.7 flop/B.
  EXPECT_NEAR(doc["roofline_bound_gflops"].get<double>(), 50.0, 1e-9);
  EXPECT_TRUE(doc["validation"]["passed"].get<bool>());
  EXPECT_EQ(doc["environment"]["OMP_NUM_THREADS"], "1");
  EXPECT_EQ(doc["threads_used"]["openblas"], 1);
  EXPECT_TRUE(doc["quick"].get<bool>());
  EXPECT_EQ(doc["reproducer"], c.reproducer());
  for (const auto& p : doc["processes"]) {
    EXPECT_GT(p["process"]["max_rss_mib"].get<double>(), 1.0);
    EXPECT_GT(p["process"]["user_cpu_seconds"].get<double>() + p["process"]["system_cpu_seconds"].get<double>(), 0.0);
  }
}

}  // namespace versus
