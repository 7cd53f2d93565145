// The load op (core/ops/load.h) through each framework's own reader: what each reads, the bytes it
// gives back checked exactly, what it cannot read refused with the reason, and a damaged CSV
// named — with its line where the reader says one — never returned as a short or shifted tensor.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/case_spec.h"
#include "test_util.h"

namespace versus {
namespace {

CaseSpec load_case(const std::string& backend, const std::string& format, int64_t samples) {
  CaseSpec c;
  c.op = "load";
  c.params = {{"format", format}, {"samples", samples}};
  c.backend = backend;
  c.threads = 2;
  c.timing = {1, 0.0, 2, 0.0};
  return c;
}

bool require_worker(const std::string& backend) {
  if (testing::worker_built(backend)) return true;
  if (std::getenv("VERSUS_REQUIRE_ALL_WORKERS")) ADD_FAILURE() << "worker " << backend << " was not built";
  return false;
}

struct Expected {
  std::string backend, format;
  int64_t samples;
  std::string status;  // ok, or unsupported with `reason` in its reason
  std::string reason;
};

class LoadReaders : public ::testing::TestWithParam<Expected> {};

TEST_P(LoadReaders, ReadTheBytesBackExactlyOrSayWhyNot) {
  const Expected& e = GetParam();
  if (!require_worker(e.backend)) GTEST_SKIP() << e.backend << " not built";
  const nlohmann::json r = testing::run_worker_case(e.backend, load_case(e.backend, e.format, e.samples));
  ASSERT_EQ(r.value("status", ""), e.status) << r.dump().substr(0, 600);
  if (e.status == "ok") {
    EXPECT_TRUE(r["validation"]["passed"].get<bool>()) << r["validation"].dump();
  } else {
    EXPECT_NE(r.value("reason", "").find(e.reason), std::string::npos) << r.value("reason", "");
  }
}

// 10000 samples: libtorch's MNIST reader takes only MNIST's own sizes. 250 CSV lines: MXNet's last
// batch of 100 is padded (its pad count must drop the repeated rows). 37 CIFAR records: no batching.
INSTANTIATE_TEST_SUITE_P(
    EveryFrameworkAndFormat, LoadReaders,
    ::testing::Values(Expected{"native", "idx", 10000, "ok", ""}, Expected{"native", "idx-gz", 10000, "ok", ""},
                      Expected{"native", "csv", 250, "ok", ""}, Expected{"native", "cifar", 37, "ok", ""},
                      Expected{"tensorflow", "idx", 10000, "ok", ""}, Expected{"tensorflow", "idx-gz", 10000, "ok", ""},
                      Expected{"tensorflow", "csv", 250, "ok", ""}, Expected{"tensorflow", "cifar", 37, "ok", ""},
                      Expected{"mxnet", "idx", 10000, "ok", ""},
                      Expected{"mxnet", "idx", 250, "unsupported", "drops a last partial batch"},
                      Expected{"mxnet", "idx-gz", 10000, "unsupported", "uncompressed IDX files only"},
                      Expected{"mxnet", "csv", 250, "ok", ""},
                      Expected{"mxnet", "cifar", 37, "unsupported", "no CIFAR-10 binary reader"},
                      Expected{"torch", "idx", 10000, "ok", ""},
                      Expected{"torch", "idx", 250, "unsupported", "60000 (train) or 10000 (test)"},
                      Expected{"torch", "idx-gz", 10000, "unsupported", "uncompressed IDX files only"},
                      Expected{"torch", "csv", 250, "unsupported", "no CSV reader"},
                      Expected{"torch", "cifar", 37, "unsupported", "no CIFAR-10 reader"}),
    [](const ::testing::TestParamInfo<Expected>& info) {
      std::string name = info.param.backend + "_" + info.param.format + "_" + std::to_string(info.param.samples);
      for (char& ch : name)
        if (ch == '-') ch = '_';
      return name;
    });

struct Damage {
  std::string backend, damage, message;
};

class DamagedCsv : public ::testing::TestWithParam<Damage> {};

// Line 3 of the CSV damaged (worker/load_files.cc): the case fails with the reader's words, and
// is never "ok" — a reader that skipped the line or read the word as 0 would give a tensor that
// fails validation instead, which the test also catches.
TEST_P(DamagedCsv, IsAnErrorNamingTheFault) {
  const Damage& d = GetParam();
  if (!require_worker(d.backend)) GTEST_SKIP() << d.backend << " not built";
  const nlohmann::json r =
      testing::run_worker_case(d.backend, load_case(d.backend, "csv", 250), {"VERSUS_TEST_DAMAGE_CSV=" + d.damage});
  ASSERT_EQ(r.value("status", ""), "error") << r.dump().substr(0, 600);
  EXPECT_NE(r.value("reason", "").find(d.message), std::string::npos) << r.value("reason", "");
}

INSTANTIATE_TEST_SUITE_P(
    EveryReaderThatReadsCsv, DamagedCsv,
    ::testing::Values(
        Damage{"native", "short", "data.csv line 3: 784 columns, expected 785"},
        Damage{"native", "word", "data.csv line 3 column 2: 'x' is not a number"},
        Damage{"native", "cut", "(the file ends inside this line: truncated?)"},
        // DecodeCSV counts records from 0: record 2 is line 3.
        Damage{"tensorflow", "short", "Expect 785 fields but have 784 in record 2"},
        Damage{"tensorflow", "word", "Field 1 in record 2 is not a valid float: x"},
        Damage{"tensorflow", "cut", "in record 2"},
        // CSVIter names no line, and takes the field "x" for a missing one.
        Damage{"mxnet", "short", "the csv row-length=784"},
        Damage{"mxnet", "word", "the csv row-length=784"},
        Damage{"mxnet", "cut", "The data size in CSV do not match size of shape"}),
    [](const ::testing::TestParamInfo<Damage>& info) { return info.param.backend + "_" + info.param.damage; });

}  // namespace
}  // namespace versus
