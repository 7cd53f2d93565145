// Results folders: atomic writes, plan round trip, corrupt files named in the error.
#include <gtest/gtest.h>

#include <fstream>

#include "core/errors.h"
#include "results/results_dir.h"
#include "test_util.h"

namespace versus {

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
