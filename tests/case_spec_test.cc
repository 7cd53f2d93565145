// Case descriptions survive JSON round trips; ids are stable; suites expand as documented.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/case_spec.h"
#include "core/errors.h"
#include "runner/plan.h"

namespace versus {
namespace {
std::vector<std::string> two_variants(const std::string&, const std::string&) { return {"a", "b"}; }
}  // namespace

TEST(CaseSpec, JsonRoundTripKeepsEveryField) {
  CaseSpec c;
  c.op = "gemm";
  c.params = {{"m", 3}, {"n", 5}, {"k", 7}, {"trans_b", true}};
  c.backend = "torch";
  c.variant = "eager";
  c.threads = 4;
  c.seed = 99;
  c.timing.samples = 17;
  const CaseSpec back = nlohmann::json::parse(nlohmann::json(c).dump()).get<CaseSpec>();
  EXPECT_EQ(nlohmann::json(back), nlohmann::json(c));
  EXPECT_EQ(back.timing.samples, 17);
  EXPECT_EQ(back.id(), "gemm-m3-n5-k7-nt-fwd-cpu-float32-t4-torch-eager");
}

TEST(CaseSpec, ReproducerNamesEveryParameter) {
  CaseSpec c;
  c.op = "gemm";
  c.params = {{"m", 3}, {"n", 5}, {"k", 7}, {"trans_b", true}};
  c.backend = "native";
  c.variant = "openblas";
  c.threads = 2;
  EXPECT_EQ(c.reproducer(),
            "versus run ops --op gemm --param k=7 --param m=3 --param n=5 --param trans_b=true --backends native:openblas --threads 2 --seed 42");
}

TEST(Plan, SizesExpandToSquaresTimesBackendsTimesVariants) {
  const nlohmann::json suite = {{"name", "t"}, {"backends", {"native", "torch:eager"}},
                                {"threads", {1, 2}},
                                {"cases", {{{"op", "gemm"}, {"sizes", {8, 16}}}}}};
  const SuitePlan plan = expand_suite(suite, two_variants, 2);
  // 2 sizes × 2 thread counts × (2 native variants + 1 torch variant)
  ASSERT_EQ(plan.cases.size(), 12u);
  EXPECT_EQ(plan.cases[0].params["m"], 8);
  EXPECT_EQ(plan.cases[0].params["k"], 8);
  EXPECT_EQ(plan.cases[0].variant, "a");
  EXPECT_EQ(plan.cases[2].variant, "eager");
  EXPECT_FALSE(plan.settings.quick);
  EXPECT_EQ(plan.settings.processes, 3);
}

// A suite read from a file: nlohmann stores a non-negative number parsed from text as unsigned,
// which the thread counts must take like any other whole number.
TEST(Plan, ThreadCountsParsedFromTextExpand) {
  const nlohmann::json suite = nlohmann::json::parse(
      R"({"name": "t", "backends": ["native"], "threads": [1, 2], "cases": [{"op": "gemm", "sizes": [8]}]})");
  ASSERT_TRUE(suite["threads"][0].is_number_unsigned());
  const SuitePlan plan = expand_suite(suite, two_variants, 2);
  ASSERT_EQ(plan.cases.size(), 4u);  // 2 thread counts × 2 native variants
  EXPECT_EQ(plan.cases[0].threads, 1);
  EXPECT_EQ(plan.cases[2].threads, 2);
  const nlohmann::json huge = nlohmann::json::parse(R"({"threads": 18446744073709551615, "cases": [{"op": "gemm", "sizes": [8]}]})");
  EXPECT_THROW(expand_suite(huge, two_variants, 2), UserError);
}

// Variant "b" has no relu (as native's openblas has no element-wise kernels).
std::vector<std::string> b_lacks_relu(const std::string&, const std::string& op) {
  if (op == "relu") return {"a"};
  return {"a", "b"};
}

TEST(Plan, AllVariantsMeansThoseThatHaveTheOpAndTheRestIsNoted) {
  const nlohmann::json suite = {{"name", "t"}, {"backends", {"native", "native:b"}},
                                {"cases", {{{"op", "relu"}, {"params", {{"n", 8}}}}, {{"op", "gemm"}, {"sizes", {8}}}}}};
  const SuitePlan plan = expand_suite(suite, b_lacks_relu, 2);
  std::vector<std::string> got;
  for (const auto& c : plan.cases) got.push_back(c.op + ":" + c.variant + ":" + c.direction);
  // relu: all variants gives a only; b named explicitly stays (it will say why it cannot run).
  EXPECT_EQ(got, (std::vector<std::string>{"relu:a:forward", "relu:b:forward", "gemm:a:forward", "gemm:b:forward", "gemm:b:forward"}));
  EXPECT_EQ(plan.notes, std::vector<std::string>{"native:b has no relu: not planned"});
  // An op no variant has: nothing planned for that backend, and one note says so.
  const nlohmann::json none = {{"name", "t"}, {"backends", {"native"}}, {"cases", {{{"op", "relu"}, {"params", {{"n", 8}}}}}}};
  const SuitePlan empty = expand_suite(none, [](const std::string&, const std::string& op) {
    return op == "relu" ? std::vector<std::string>{} : std::vector<std::string>{"a", "b"};
  }, 2);
  EXPECT_TRUE(empty.cases.empty());
  EXPECT_EQ(empty.notes, std::vector<std::string>{"native has no relu: not planned"});
  // The notes travel with the plan into suite.json and back (a resumed run keeps them).
  EXPECT_EQ(nlohmann::json(plan).get<SuitePlan>().notes, plan.notes);
}

TEST(Plan, ListParamsExpandToTheirCrossProduct) {
  const nlohmann::json suite = {{"backends", {"torch:eager"}}, {"quick", true},
                                {"cases", {{{"op", "gemm"}, {"params", {{"m", {1, 2, 3}}, {"n", 4}, {"k", 5}, {"trans_b", {false, true}}}}}}}};
  const SuitePlan plan = expand_suite(suite, two_variants, 2);
  EXPECT_EQ(plan.cases.size(), 6u);
  EXPECT_TRUE(plan.settings.quick);
  EXPECT_EQ(plan.cases[0].timing.samples, quick_timing().samples);
}

TEST(Plan, RejectsBadSuitesWithAMessage) {
  auto message = [](const nlohmann::json& suite) {
    try {
      expand_suite(suite, two_variants, 2);
    } catch (const UserError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message({{"cases", nlohmann::json::array()}}).find("non-empty"), std::string::npos);
  EXPECT_NE(message({{"backends", {"tensorfloww"}}, {"cases", {{{"op", "gemm"}, {"sizes", {8}}}}}})
                .find("unknown backend 'tensorfloww'"), std::string::npos);
  EXPECT_NE(message({{"cases", {{{"op", "gemm"}, {"sizes", {0}}}}}}).find("out of range"), std::string::npos);
  EXPECT_NE(message({{"threads", 0}, {"cases", {{{"op", "gemm"}, {"sizes", {8}}}}}}).find("threads must be"),
            std::string::npos);
}

TEST(Plan, ACaseMayNameItsOwnBackends) {
  const nlohmann::json suite = {{"backends", {"native", "torch"}},
                                {"cases", {{{"op", "dispatch"}, {"params", {{"mode", "eager"}}}, {"backends", {"torch"}}},
                                           {{"op", "gemm"}, {"sizes", {8}}}}}};
  const SuitePlan plan = expand_suite(suite, two_variants, 2);
  ASSERT_EQ(plan.cases.size(), 2u + 4u);  // dispatch: torch's two variants; gemm: both backends' two each
  EXPECT_EQ(plan.cases[0].backend, "torch");
  EXPECT_EQ(plan.cases[1].backend, "torch");
  EXPECT_EQ(plan.cases[2].backend, "native");
}

// A malformed entry in a catalogue file is named by file and line, so it can be found in a
// long catalogue; a misspelt key is an error, not a silently different case.
// `versus run quick` in a folder that holds a folder named quick (an earlier run's --out, say)
// still runs the suite: only a regular file shadows a suite name.
TEST(Plan, AFolderNamedLikeASuiteDoesNotShadowIt) {
  const auto dir = std::filesystem::temp_directory_path() / "versus-plan-test-cwd";
  std::filesystem::create_directories(dir / "quick");
  const auto before = std::filesystem::current_path();
  std::filesystem::current_path(dir);
  nlohmann::json suite;
  EXPECT_NO_THROW(suite = read_suite_file("quick"));
  std::filesystem::current_path(before);
  std::filesystem::remove_all(dir);
  EXPECT_FALSE(suite.value("cases", nlohmann::json::array()).empty()) << suite.dump().substr(0, 200);
}

TEST(Plan, AMalformedCaseInAFileIsNamedByFileAndLine) {
  const auto path = std::filesystem::temp_directory_path() / "versus-plan-test-suite.json";
  {
    std::ofstream f(path);
    f << "{\"name\": \"t\",\n \"cases\": [\n"
         "  {\"op\": \"gemm\", \"params\": {\"m\": 4, \"n\": 4, \"k\": 4}, \"why\": \"a {brace} in a string\"},\n"
         "  {\"op\": \"relu\", \"params\": {\"n\": 8}},\n"
         "\n"
         "  {\"op\": \"gemm\", \"params\": {\"m\": 4, \"n\": 4, \"k\": -1}},\n"
         "  {\"op\": \"relu\", \"params\": {\"n\": 8}, \"direction\": [\"backward\"]}\n"
         "]}\n";
  }
  const nlohmann::json suite = read_suite_file(path.string());
  EXPECT_EQ(suite["source_lines"], nlohmann::json({3, 4, 6, 7}));
  auto message = [&](size_t drop) {
    nlohmann::json s = suite;
    s["cases"].erase(drop);  // leave one bad case in
    s["source_lines"].erase(drop);
    try {
      expand_suite(s, two_variants, 2);
    } catch (const UserError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  const std::string bad_k = message(3), bad_key = message(2);
  EXPECT_NE(bad_k.find(path.string() + " line 6: "), std::string::npos) << bad_k;
  EXPECT_NE(bad_k.find("out of range"), std::string::npos) << bad_k;
  EXPECT_NE(bad_key.find(path.string() + " line 7: unknown key 'direction'"), std::string::npos) << bad_key;
  std::filesystem::remove(path);
}

TEST(Plan, SuitePlanRoundTripsThroughJson) {
  const nlohmann::json suite = {{"name", "rt"}, {"backends", {"torch:eager"}},
                                {"cases", {{{"op", "gemm"}, {"sizes", {8}}}}}};
  const SuitePlan plan = expand_suite(suite, two_variants, 2);
  const SuitePlan back = nlohmann::json(plan).get<SuitePlan>();
  EXPECT_EQ(nlohmann::json(back), nlohmann::json(plan));
}

}  // namespace versus

namespace versus {
namespace {

// A case read back from a results folder or a plan (report, compare, --resume) takes whole numbers
// only: nlohmann would cast 3.9e19 to an int with undefined behaviour (found by fuzz/results_fuzzer).
TEST(CaseSpecJson, NumbersThatAreNotWholeOrDoNotFitAreNamed) {
  const auto error_of = [](const std::string& text) {
    try {
      (void)nlohmann::json::parse(text).get<CaseSpec>();
    } catch (const UserError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_EQ(error_of(R"({"op": "gemm", "threads": 3.9e19})"), "case: \"threads\" must be a whole number, got 3.9e+19");
  EXPECT_EQ(error_of(R"({"op": "gemm", "threads": 4294967296})"),
            "case: \"threads\" must be a whole number in [-2147483648, 2147483647], got 4294967296");
  EXPECT_EQ(error_of(R"({"op": "gemm", "seed": -1})"),
            "case: \"seed\" must be a whole number in [0, 18446744073709551615], got -1");
  EXPECT_EQ(error_of(R"({"op": "gemm", "timing": {"samples": 1e300}})"), "timing: \"samples\" must be a whole number, got 1e+300");
  EXPECT_EQ(error_of(R"({"op": "gemm", "threads": 4, "seed": 18446744073709551615, "timing": {"samples": 7}})"), "");
}

}  // namespace
}  // namespace versus
