// embedding: hand-computed gathers and scatter-adds, the table gradient against finite
// differences, seeded integer indices, checks and rejected parameters.
#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "core/ops/embedding.h"
#include "op_checks.h"

namespace versus {
namespace {

using op_checks::make_case;
using op_checks::rejection;

nlohmann::json emb(int64_t vocab, int64_t dim, int64_t batch, int64_t seq) {
  return {{"vocab", vocab}, {"dim", dim}, {"batch", batch}, {"seq", seq}};
}

const HostTensor kTable{"table", {3, 2}, {1, 2, 3, 4, 5, 6}};
const HostTensor kIndices{"indices", {2, 2}, {2, 0, 1, 2}};

TEST(EmbeddingOp, ForwardGathersRows) {
  const auto y = find_op("embedding").reference(make_case("embedding", emb(3, 2, 2, 2)), {kTable, kIndices});
  EXPECT_EQ(y.at(0).name, "Y");
  EXPECT_EQ(y[0].shape, (std::vector<int64_t>{2, 2, 2}));
  EXPECT_EQ(y[0].data, (std::vector<float>{5, 6, 1, 2, 3, 4, 5, 6}));
}

TEST(EmbeddingOp, BackwardScatterAddsIntoTheRowsRead) {
  const auto g = find_op("embedding").reference(make_case("embedding", emb(3, 2, 2, 2), "backward"),
                                                {kTable, kIndices, {"dY", {2, 2, 2}, {1, 1, 2, 2, 3, 3, 4, 4}}});
  EXPECT_EQ(op_checks::names(g), (std::vector<std::string>{"dTable"}));
  EXPECT_EQ(g[0].shape, (std::vector<int64_t>{3, 2}));
  EXPECT_EQ(g[0].data, (std::vector<float>{2, 2, 3, 3, 5, 5}));  // row 2 is read twice
}

TEST(EmbeddingOp, BackwardMatchesFiniteDifferences) {
  op_checks::expect_gradient_matches_differences(find_op("embedding"), emb(5, 3, 3, 4), 0, 0, 0.25);
  op_checks::expect_gradient_matches_differences(find_op("embedding"), emb(40, 2, 2, 3), 0, 0, 0.25);
}

TEST(EmbeddingOp, IndicesAreSeededIntegersCoveringTheVocabulary) {
  const OpDef& op = find_op("embedding");
  const CaseSpec c = make_case("embedding", emb(7, 4, 20, 30));
  const auto in = op.make_inputs(c);
  EXPECT_EQ(op_checks::names(in), (std::vector<std::string>{"table", "indices"}));
  EXPECT_EQ(in[1].shape, (std::vector<int64_t>{20, 30}));
  std::set<float> seen;
  for (float i : in[1].data) {
    ASSERT_EQ(i, std::floor(i));
    ASSERT_GE(i, 0.0f);
    ASSERT_LT(i, 7.0f);
    seen.insert(i);
  }
  EXPECT_EQ(seen.size(), 7u);
  EXPECT_EQ(op.make_inputs(c)[1].data, in[1].data);
  const auto bwd = op.make_inputs(make_case("embedding", emb(7, 4, 20, 30), "backward"));
  EXPECT_EQ(op_checks::names(bwd), (std::vector<std::string>{"table", "indices", "dY"}));
  EXPECT_EQ(bwd[2].shape, (std::vector<int64_t>{20, 30, 4}));
  EXPECT_EQ(bwd[1].data, in[1].data);
  const auto single = op.make_inputs(make_case("embedding", emb(1, 2, 3, 4)));
  for (float i : single[1].data) EXPECT_EQ(i, 0.0f);
}

TEST(EmbeddingOp, CheckDemandsExactGathersAndAllowsSummationOrder) {
  const OpDef& op = find_op("embedding");
  const CaseSpec c = make_case("embedding", emb(50, 8, 16, 32));
  const auto in = op.make_inputs(c);
  const auto ref = op.reference(c, in);
  auto shifted = in;  // every index off by one (a 1-based conversion)
  for (float& i : shifted[1].data) i = std::fmod(i + 1, 50.0f);
  EXPECT_FALSE(op.check(c, in, ref, {op.reference(c, shifted)[0].data}).passed);
  auto off = ref[0].data;
  off[3] = std::nextafter(off[3], 2.0f);
  EXPECT_FALSE(op.check(c, in, ref, {off}).passed) << "a gather is exact";

  // dTable summed in float32, in reverse order: passes.
  const CaseSpec b = make_case("embedding", emb(50, 8, 16, 32), "backward");
  const auto bin = op.make_inputs(b);
  std::vector<float> dtable(50 * 8, 0.0f);
  for (size_t t = bin[1].data.size(); t-- > 0;)
    for (size_t j = 0; j < 8; ++j) dtable[static_cast<size_t>(bin[1].data[t]) * 8 + j] += bin[2].data[t * 8 + j];
  const Validation v = op.check(b, bin, op.reference(b, bin), {dtable});
  EXPECT_TRUE(v.passed) << v.max_rel_error << " > " << v.tolerance;
}

TEST(EmbeddingOp, CheckPassesTheReferenceAndFailsCorruptedResults) {
  for (const char* dir : {"forward", "backward"})
    op_checks::expect_check_rejects_corruption(find_op("embedding"), make_case("embedding", emb(10, 4, 3, 5), dir));
}

TEST(EmbeddingOp, ReferenceRejectsIndicesOutsideTheTable) {
  const OpDef& op = find_op("embedding");
  const HostTensor bad{"indices", {2, 2}, {2, 0, 3, 1}};
  EXPECT_THROW(op.reference(make_case("embedding", emb(3, 2, 2, 2)), {kTable, bad}), std::invalid_argument);
}

TEST(EmbeddingOp, BadParametersAreRejectedWithTheirName) {
  const OpDef& op = find_op("embedding");
  EXPECT_NE(rejection(op, emb((1 << 24) + 1, 1, 1, 1)).find("--vocab 16777217 is out of range; use 1..16777216"),
            std::string::npos);
  EXPECT_NE(rejection(op, emb(100, 0, 1, 1)).find("--dim 0 is out of range"), std::string::npos);
  EXPECT_NE(rejection(op, {{"vocab", 100}, {"dim", 4}, {"batch", 2}}).find("needs --seq"), std::string::npos);
  nlohmann::json typo = emb(100, 4, 2, 2);
  typo["sequence"] = 2;
  EXPECT_NE(rejection(op, typo).find("unknown parameter 'sequence'"), std::string::npos);
  EXPECT_NE(rejection(op, emb(1 << 24, 1024, 1, 1)).find("GiB"), std::string::npos);
  EXPECT_EQ(rejection(op, emb(30000, 128, 32, 64)), "no error");
}

TEST(EmbeddingOp, DescribesItselfAndCountsWork) {
  const OpDef& op = find_op("embedding");
  EXPECT_TRUE(op.has_backward());
  EXPECT_EQ(op.shape_label(emb(10000, 128, 32, 64)), "v10000-d128-b32-s64");
  EXPECT_DOUBLE_EQ(op.flops(emb(10, 4, 2, 3)), 0);
  EXPECT_DOUBLE_EQ(op.bytes(emb(10, 4, 2, 3)), 4.0 * (6 + 2 * 24));
}

}  // namespace
}  // namespace versus
