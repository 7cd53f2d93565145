// Whole numbers read from JSON: nlohmann casts 1e300 to an int with undefined behaviour, so the
// integers of the documents report, compare and --resume read pass core/json_number.h. The report must turn a number no
// writer of versus puts in a results folder into a one-line error naming the folder and the key.
#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>

#include "core/errors.h"
#include "core/json_number.h"
#include "report/training_report.h"
#include "test_util.h"

namespace versus {
namespace {

using nlohmann::json;

TEST(JsonNumber, TakesIntegersInRangeAndFallsBackWhenAbsent) {
  const json j = {{"threads", 4}, {"seed", 18446744073709551615ULL}, {"bytes", -3}};
  EXPECT_EQ(whole_or(j, "threads", 1), 4);
  EXPECT_EQ(whole_or(j, "missing", 7), 7);
  EXPECT_EQ(whole_or(json::array(), "threads", 7), 7);
  EXPECT_EQ(whole_or(j, "seed", uint64_t{0}), 18446744073709551615ULL);
  EXPECT_EQ(whole_at<int64_t>(j["bytes"], "bytes"), -3);
  EXPECT_EQ(whole_number(j, "threads", 1, "suite"), 4);
}

TEST(JsonNumber, AFloatOrAnIntegerBeyondTheTypeIsAJsonErrorNamingTheKey) {
  const json j = json::parse(R"({"threads": 1e300, "epochs": 2.5, "batch": 3000000000, "seed": -1})");
  // A json::exception, so the report's handler for fields of the wrong type names the folder.
  EXPECT_THROW((void)whole_or(j, "threads", 0), json::exception);
  try {
    (void)whole_or(j, "threads", 0);
  } catch (const json::exception& e) {
    EXPECT_STREQ(e.what(), "\"threads\" must be a whole number, got 1e+300");
  }
  try {
    (void)whole_or(j, "batch", 0);
    ADD_FAILURE() << "3000000000 fits no int";
  } catch (const JsonNumberError& e) {
    EXPECT_STREQ(e.what(), "\"batch\" must be a whole number in [-2147483648, 2147483647], got 3000000000");
  }
  EXPECT_EQ(whole_or(j, "batch", int64_t{0}), 3000000000);
  EXPECT_THROW((void)whole_or(j, "epochs", 0), JsonNumberError);
  EXPECT_THROW((void)whole_or(j, "seed", uint64_t{0}), JsonNumberError);
  EXPECT_THROW((void)whole_or(json::parse(R"({"n": "4"})"), "n", 0), JsonNumberError);
}

TEST(JsonNumber, APersonsDocumentGetsAUserErrorNamingWhere) {
  const json j = json::parse(R"({"samples": 1e19})");
  try {
    (void)whole_number(j, "samples", 5, "timing");
    ADD_FAILURE() << "no error";
  } catch (const UserError& e) {
    EXPECT_STREQ(e.what(), "timing: \"samples\" must be a whole number, got 1e+19");
  }
}

TEST(JsonNumber, TrainingReportNamesTheFolderAndKeyOfAHugeNumber) {
  const testing::TempDir tmp;
  const std::filesystem::path dir = tmp.path() / "train";
  std::filesystem::copy(std::filesystem::path(VERSUS_SOURCE_DIR) / "fuzz/fixtures/results/train", dir, std::filesystem::copy_options::recursive);
  json training = json::parse(std::ifstream(dir / "training.json"));
  training["request"]["epochs"] = 1e300;
  std::ofstream(dir / "training.json") << training.dump();
  try {
    (void)write_training_report(dir, dir / "report");
    ADD_FAILURE() << "the report was written";
  } catch (const UserError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find(dir.string()), std::string::npos) << what;
    EXPECT_NE(what.find("\"epochs\" must be a whole number, got 1e+300"), std::string::npos) << what;
  }
}

}  // namespace
}  // namespace versus
