// Every built worker computes a small GEMM that matches the float64 reference, in all four
// transpose combinations, at sizes that are not multiples of any vector width.
#include <gtest/gtest.h>

#include <cstdlib>

#include "core/case_spec.h"
#include "runner/spawn.h"
#include "test_util.h"

namespace versus {
namespace {

class WorkerGemm : public ::testing::TestWithParam<std::string> {};

nlohmann::json run_worker(const std::string& backend, const CaseSpec& c, std::vector<std::string> env = {}) {
  const auto exe = testing::bin_dir() / ("versus-worker-" + backend);
  env.push_back("TF_CPP_MIN_LOG_LEVEL=2");
  const ProcessResult p = run_process({exe.string(), "--run"}, env,
                                      nlohmann::json(c).dump() + "\n", 120, 5);
  EXPECT_TRUE(p.started) << p.start_error;
  EXPECT_FALSE(p.timed_out);
  const auto line = p.stdout_text.substr(0, p.stdout_text.find('\n'));
  if (line.empty()) return {{"status", "no reply"}, {"stderr", p.stderr_tail}};
  return nlohmann::json::parse(line);
}

}  // namespace

// Correctness before speed, in every framework: a result that differs from the reference is
// recorded as validation_failed with the error, and never timed.
TEST_P(WorkerGemm, AResultThatFailsValidationIsNeverTimed) {
  const std::string backend = GetParam();
  if (!testing::worker_built(backend)) GTEST_SKIP() << "worker " << backend << " not built here";
  CaseSpec c;
  c.op = "gemm";
  c.params = {{"m", 8}, {"n", 8}, {"k", 8}};
  c.backend = backend;
  c.timing = {1, 0.0, 3, 0.0};
  const nlohmann::json r = run_worker(backend, c, {"VERSUS_TEST_CORRUPT_OUTPUT=1"});
  EXPECT_EQ(r.value("status", ""), "validation_failed") << r.dump().substr(0, 400);
  EXPECT_NE(r.value("reason", "").find("differs from the reference"), std::string::npos) << r.value("reason", "");
  EXPECT_FALSE(r["validation"]["passed"].get<bool>());
  EXPECT_FALSE(r.contains("samples_seconds")) << "a result that failed validation was timed";
  // The same case without the corruption passes and is timed: the hook, not the case, failed it.
  const nlohmann::json ok = run_worker(backend, c);
  EXPECT_EQ(ok.value("status", ""), "ok") << ok.dump().substr(0, 400);
  EXPECT_EQ(ok["samples_seconds"].size(), 3u);
}

// Every framework runs with the threads the case asks for, as it reports them itself (torch:
// at::get_num_threads; MXNet: omp_get_max_threads on its engine's worker thread; native: OpenBLAS,
// OpenMP and Eigen; TensorFlow: its session's intra-op setting, which the C API cannot read back).
TEST_P(WorkerGemm, ThreadsUsedAreTheThreadsAskedFor) {
  const std::string backend = GetParam();
  if (!testing::worker_built(backend)) GTEST_SKIP() << "worker " << backend << " not built here";
  for (const int threads : {1, 2}) {
    SCOPED_TRACE(threads);
    CaseSpec c;
    c.op = "gemm";
    c.params = {{"m", 16}, {"n", 16}, {"k", 16}};
    c.backend = backend;
    c.threads = threads;
    c.timing = {1, 0.0, 1, 0.0};
    const nlohmann::json r = run_worker(backend, c, {"OMP_NUM_THREADS=" + std::to_string(threads)});
    ASSERT_EQ(r.value("status", ""), "ok") << r.dump().substr(0, 400);
    const auto& used = r["threads_used"];
    if (backend == "torch" || backend == "tensorflow") {
      EXPECT_EQ(used["intra_op"], threads) << used;
    }
    if (backend == "mxnet") {
      EXPECT_EQ(used["omp"], threads) << used;
    }
    if (backend == "native") {
      EXPECT_EQ(used["openblas"], threads) << used;
      EXPECT_EQ(used["omp"], threads) << used;
      EXPECT_EQ(used["eigen"], threads) << used;
    }
  }
}

TEST_P(WorkerGemm, SmallOddGemmIsValidatedInEveryTransposeCombination) {
  const std::string backend = GetParam();
  if (!testing::worker_built(backend)) {
    if (std::getenv("VERSUS_REQUIRE_ALL_WORKERS")) FAIL() << "worker " << backend << " was not built";
    GTEST_SKIP() << "worker " << backend << " not built here";
  }
  const auto exe = testing::bin_dir() / ("versus-worker-" + backend);
  const ProcessResult info = run_process({exe.string(), "--info"}, {"TF_CPP_MIN_LOG_LEVEL=2"}, "", 60, 5);
  const auto variants = nlohmann::json::parse(info.stdout_text)["variants"];
  ASSERT_FALSE(variants.empty());
  for (const auto& variant : variants)
    for (bool ta : {false, true})
      for (bool tb : {false, true}) {
        CaseSpec c;
        c.op = "gemm";
        c.params = {{"m", 37}, {"n", 19}, {"k", 53}, {"trans_a", ta}, {"trans_b", tb}};
        c.backend = backend;
        c.variant = variant.get<std::string>();
        c.threads = 2;
        c.timing = {1, 0.0, 2, 0.0};
        const nlohmann::json r = run_worker(backend, c);
        SCOPED_TRACE(backend + ":" + c.variant + (ta ? " Aᵀ" : " A") + (tb ? " Bᵀ" : " B"));
        ASSERT_EQ(r.value("status", ""), "ok") << r.dump();
        EXPECT_TRUE(r["validation"]["passed"].get<bool>());
        EXPECT_LE(r["validation"]["max_rel_error"].get<double>(), r["validation"]["tolerance"].get<double>());
        EXPECT_EQ(r["samples_seconds"].size(), 2u);
        EXPECT_GT(r["samples_seconds"][0].get<double>(), 0.0);
      }
}

TEST_P(WorkerGemm, UnsupportedDtypeIsReportedNotFaked) {
  const std::string backend = GetParam();
  if (!testing::worker_built(backend)) GTEST_SKIP() << "worker " << backend << " not built here";
  CaseSpec c;
  c.op = "gemm";
  c.params = {{"m", 4}, {"n", 4}, {"k", 4}};
  c.backend = backend;
  c.dtype = "int4";
  const nlohmann::json r = run_worker(backend, c);
  EXPECT_EQ(r.value("status", ""), "unsupported") << r.dump();
  EXPECT_FALSE(r.value("reason", "").empty());
}

// 16-bit types: gemm and conv2d in libtorch, where it has the kernels; every other op and backend
// says it is float32 only. A libtorch without the kernel says unsupported in torch's words (1.13
// had no float16 CPU matmul; 2.15 has both); one that sums in 16 bits fails validation: the status
// is ok, validation_failed or unsupported, never a result that was not checked.
TEST_P(WorkerGemm, SixteenBitTypesRunValidatedOrAreUnsupportedWithTheReason) {
  const std::string backend = GetParam();
  if (!testing::worker_built(backend)) GTEST_SKIP() << "worker " << backend << " not built here";
  for (const std::string dtype : {"bfloat16", "float16"}) {
    CaseSpec c;
    c.op = "gemm";
    c.params = {{"m", 8}, {"n", 8}, {"k", 8}};
    c.backend = backend;
    c.dtype = dtype;
    c.timing = {1, 0.0, 1, 0.0};
    const nlohmann::json r = run_worker(backend, c);
    const std::string status = r.value("status", ""), reason = r.value("reason", "");
    if (backend != "torch") {
      EXPECT_EQ(status, "unsupported") << r.dump();
      EXPECT_NE(reason.find("float32 only"), std::string::npos) << reason;
      continue;
    }
    EXPECT_TRUE(status == "ok" || status == "validation_failed" || status == "unsupported") << r.dump();
    if (status == "unsupported") {
      EXPECT_NE(reason.find("no " + dtype + " gemm on cpu"), std::string::npos) << reason;
    }
    if (status == "validation_failed") {
      EXPECT_NE(reason.find("differs from the reference"), std::string::npos) << reason;
    }
    c.op = "relu";
    c.params = {{"n", 16}};
    const nlohmann::json relu = run_worker(backend, c);
    EXPECT_EQ(relu.value("status", ""), "unsupported") << relu.dump();
    EXPECT_NE(relu.value("reason", "").find("float32 only"), std::string::npos) << relu.dump();
  }
}

INSTANTIATE_TEST_SUITE_P(AllFrameworks, WorkerGemm,
                         ::testing::Values("native", "tensorflow", "mxnet", "torch"));

}  // namespace versus
