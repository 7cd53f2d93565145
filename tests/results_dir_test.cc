// Results folders: atomic writes, plan round trip, corrupt files named in the error.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "core/atomic_file.h"
#include "core/errors.h"
#include "results/results_dir.h"
#include "test_util.h"

namespace versus {

std::string read_all(const std::filesystem::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// "Atomic" means atomic: a writer killed at any moment of a 32 MiB write leaves the old file whole
// (never a prefix of the new one), and one that finishes leaves the new one whole.
TEST(AtomicFile, AWriterKilledMidWriteLeavesTheOldFileWhole) {
  testing::TempDir tmp;
  const auto path = tmp.path() / "run.json";
  const std::string old_content(1000, 'o');
  write_file_atomically(path, old_content);
  const std::string new_content(32 << 20, 'n');
  for (const int delay_us : {0, 200, 1000, 3000, 10000, 30000}) {
    SCOPED_TRACE(delay_us);
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      write_file_atomically(path, new_content);
      ::_exit(0);
    }
    std::this_thread::sleep_for(std::chrono::microseconds(delay_us));
    ::kill(child, SIGKILL);
    int status = 0;
    ::waitpid(child, &status, 0);
    const std::string now = read_all(path);
    EXPECT_TRUE(now == old_content || now == new_content) << "a partial file of " << now.size() << " bytes";
    if (now == new_content) write_file_atomically(path, old_content);  // it finished first: start over
  }
  write_file_atomically(path, new_content);
  EXPECT_EQ(read_all(path).size(), new_content.size());
}

TEST(ResultsDir, WritesRunsAtomicallyAndReadsThemBack) {
  testing::TempDir tmp;
  const ResultsDir dir = ResultsDir::create_new(tmp.path(), "unit");
  EXPECT_EQ(dir.root().parent_path(), tmp.path());
  EXPECT_EQ(dir.root().filename().string().rfind("unit-", 0), 0u);
  dir.write_run("b", {{"schema", kResultSchema}, {"id", "b"}});
  dir.write_run("a", {{"schema", kResultSchema}, {"id", "a"}});
  EXPECT_TRUE(dir.has_run("a"));
  EXPECT_FALSE(dir.has_run("c"));
  const auto runs = dir.read_runs();
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[0]["id"], "a");
  for (const auto& f : testing::files_under(dir.root()))
    EXPECT_EQ(f.string().find(".tmp"), std::string::npos) << f;
}

TEST(ResultsDir, TwoSuitesInTheSameSecondGetDistinctFolders) {
  testing::TempDir tmp;
  const ResultsDir a = ResultsDir::create_new(tmp.path(), "s");
  const ResultsDir b = ResultsDir::create_new(tmp.path(), "s");
  EXPECT_NE(a.root(), b.root());
}

TEST(ResultsDir, CorruptRunFileIsNamedInTheError) {
  testing::TempDir tmp;
  const ResultsDir dir = ResultsDir::create_new(tmp.path(), "unit");
  std::ofstream(dir.root() / "runs" / "broken.json") << "{\"schema\": \"versus.res";
  try {
    dir.read_runs();
    FAIL() << "no error";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("broken.json is not valid JSON"), std::string::npos) << e.what();
  }
}

TEST(ResultsDir, ForeignJsonIsRejected) {
  testing::TempDir tmp;
  const ResultsDir dir = ResultsDir::create_new(tmp.path(), "unit");
  std::ofstream(dir.root() / "runs" / "other.json") << "{\"hello\": 1}";
  EXPECT_THROW(dir.read_runs(), UserError);
}

TEST(ResultsDir, OpeningAFolderThatIsNotAResultsFolderFails) {
  testing::TempDir tmp;
  try {
    ResultsDir::open_existing(tmp.path());
    FAIL() << "no error";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("not a versus results folder"), std::string::npos);
  }
  EXPECT_THROW(ResultsDir::open_existing(tmp.path() / "missing"), UserError);
}

}  // namespace versus
