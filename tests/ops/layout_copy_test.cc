// transpose and nchw_to_nhwc: hand-checked tiny copies, element-by-element index checks, the
// backward pass as the inverse permutation (and against finite differences), an exact check,
// and rejected parameters.
#include <gtest/gtest.h>

#include <cmath>

#include "core/ops/layout_copy.h"
#include "op_checks.h"

namespace versus {
namespace {

using op_checks::make_case;
using op_checks::rejection;

nlohmann::json tr(int64_t rows, int64_t cols) { return {{"rows", rows}, {"cols", cols}}; }
nlohmann::json nchw(int64_t n, int64_t c, int64_t h, int64_t w) { return {{"n", n}, {"c", c}, {"h", h}, {"w", w}}; }

TEST(LayoutCopyOp, TransposeOfATwoByThree) {
  const auto y = find_op("transpose").reference(make_case("transpose", tr(2, 3)), {{"X", {2, 3}, {1, 2, 3, 4, 5, 6}}});
  EXPECT_EQ(op_checks::names(y), (std::vector<std::string>{"Y"}));
  EXPECT_EQ(y[0].shape, (std::vector<int64_t>{3, 2}));
  EXPECT_EQ(y[0].data, (std::vector<float>{1, 4, 2, 5, 3, 6}));
}

TEST(LayoutCopyOp, NchwToNhwcOfAOneByTwoByTwoByThree) {
  std::vector<float> x(12);
  for (size_t i = 0; i < x.size(); ++i) x[i] = float(i + 1);  // channel 0: 1..6, channel 1: 7..12
  const auto y = find_op("nchw_to_nhwc").reference(make_case("nchw_to_nhwc", nchw(1, 2, 2, 3)), {{"X", {1, 2, 2, 3}, x}});
  EXPECT_EQ(y.at(0).shape, (std::vector<int64_t>{1, 2, 3, 2}));
  // Each pixel's two channels next to each other, pixels in row-major order.
  EXPECT_EQ(y[0].data, (std::vector<float>{1, 7, 2, 8, 3, 9, 4, 10, 5, 11, 6, 12}));
}

TEST(LayoutCopyOp, EveryElementLandsWhereThePermutationSays) {
  const OpDef& tp = find_op("transpose");
  const CaseSpec t = make_case("transpose", tr(37, 53));
  const auto tin = tp.make_inputs(t);
  const auto ty = tp.reference(t, tin).at(0);
  for (int64_t i = 0; i < 37; ++i)
    for (int64_t j = 0; j < 53; ++j) ASSERT_EQ(ty.data[j * 37 + i], tin[0].data[i * 53 + j]) << i << "," << j;

  const OpDef& op = find_op("nchw_to_nhwc");
  const CaseSpec c = make_case("nchw_to_nhwc", nchw(2, 3, 5, 7));
  const auto in = op.make_inputs(c);
  const auto y = op.reference(c, in).at(0);
  EXPECT_EQ(y.shape, (std::vector<int64_t>{2, 5, 7, 3}));
  for (int64_t n = 0; n < 2; ++n)
    for (int64_t ch = 0; ch < 3; ++ch)
      for (int64_t h = 0; h < 5; ++h)
        for (int64_t w = 0; w < 7; ++w)
          ASSERT_EQ(y.data[((n * 5 + h) * 7 + w) * 3 + ch], in[0].data[((n * 3 + ch) * 5 + h) * 7 + w])
              << n << "," << ch << "," << h << "," << w;
}

TEST(LayoutCopyOp, BackwardIsTheInversePermutation) {
  const OpDef& tp = find_op("transpose");
  const auto g = tp.reference(make_case("transpose", tr(2, 3), "backward"),
                              {{"X", {2, 3}, {0, 0, 0, 0, 0, 0}}, {"dY", {3, 2}, {1, 2, 3, 4, 5, 6}}});
  EXPECT_EQ(op_checks::names(g), (std::vector<std::string>{"dX"}));
  EXPECT_EQ(g[0].shape, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(g[0].data, (std::vector<float>{1, 3, 5, 2, 4, 6}));

  // Backward applied to the forward's output gives the input back, for both ops.
  for (const auto& [name, params] : {std::pair<const char*, nlohmann::json>{"transpose", tr(7, 4)},
                                     std::pair<const char*, nlohmann::json>{"nchw_to_nhwc", nchw(2, 3, 5, 7)}}) {
    SCOPED_TRACE(name);
    const OpDef& op = find_op(name);
    const auto in = op.make_inputs(make_case(name, params));
    HostTensor y = op.reference(make_case(name, params), in).at(0);
    y.name = "dY";
    const auto dx = op.reference(make_case(name, params, "backward"), {in[0], y}).at(0);
    EXPECT_EQ(dx.shape, in[0].shape);
    EXPECT_EQ(dx.data, in[0].data);
  }
  const LayoutCopyParams p = parse_layout_copy_params("nchw_to_nhwc", nchw(2, 3, 5, 7));
  EXPECT_EQ(p.y_shape(), (std::vector<int64_t>{2, 5, 7, 3}));
  EXPECT_EQ(p.inverse_perm(), (std::vector<int64_t>{0, 3, 1, 2}));
  EXPECT_EQ(p.batch, 2);
  EXPECT_EQ(p.rows, 3);
  EXPECT_EQ(p.cols, 35);
}

TEST(LayoutCopyOp, BackwardMatchesFiniteDifferences) {
  op_checks::expect_gradient_matches_differences(find_op("transpose"), tr(3, 5), 0, 0, 0.25);
  op_checks::expect_gradient_matches_differences(find_op("nchw_to_nhwc"), nchw(2, 3, 2, 3), 0, 0, 0.25);
}

TEST(LayoutCopyOp, InputsAreSeededWithDyShapedLikeY) {
  const OpDef& op = find_op("nchw_to_nhwc");
  const auto fwd = op.make_inputs(make_case("nchw_to_nhwc", nchw(2, 3, 5, 7)));
  EXPECT_EQ(op_checks::names(fwd), (std::vector<std::string>{"X"}));
  EXPECT_EQ(fwd[0].shape, (std::vector<int64_t>{2, 3, 5, 7}));
  const auto bwd = op.make_inputs(make_case("nchw_to_nhwc", nchw(2, 3, 5, 7), "backward"));
  EXPECT_EQ(op_checks::names(bwd), (std::vector<std::string>{"X", "dY"}));
  EXPECT_EQ(bwd[1].shape, (std::vector<int64_t>{2, 5, 7, 3}));
  EXPECT_EQ(bwd[0].data, fwd[0].data);
  EXPECT_NE(bwd[1].data, bwd[0].data);
  const auto t = find_op("transpose").make_inputs(make_case("transpose", tr(4, 9), "backward"));
  EXPECT_EQ(t.at(1).shape, (std::vector<int64_t>{9, 4}));
}

TEST(LayoutCopyOp, CheckIsExact) {
  for (const auto& [name, params] : {std::pair<const char*, nlohmann::json>{"transpose", tr(37, 53)},
                                     std::pair<const char*, nlohmann::json>{"nchw_to_nhwc", nchw(2, 3, 5, 7)}}) {
    SCOPED_TRACE(name);
    const OpDef& op = find_op(name);
    for (const char* dir : {"forward", "backward"}) {
      const CaseSpec c = make_case(name, params, dir);
      const auto in = op.make_inputs(c);
      const auto ref = op.reference(c, in);
      auto off = ref[0].data;
      off[5] = std::nextafter(off[5], 2.0f);
      const Validation v = op.check(c, in, ref, {off});
      EXPECT_FALSE(v.passed) << "one ulp off: a copy is exact";
      EXPECT_EQ(v.tolerance, 0.0);
      // The untransposed data (what a skipped copy, a view, would hand back) fails too.
      EXPECT_FALSE(op.check(c, in, ref, {in.back().data}).passed);
      op_checks::expect_check_rejects_corruption(op, c);
    }
  }
}

TEST(LayoutCopyOp, BadParametersAreRejectedWithTheirName) {
  const OpDef& tp = find_op("transpose");
  EXPECT_NE(rejection(tp, tr(0, 5)).find("--rows 0 is out of range"), std::string::npos);
  EXPECT_NE(rejection(tp, tr(5, 70000)).find("--cols 70000 is out of range; use 1..65536"), std::string::npos);
  EXPECT_NE(rejection(tp, {{"rows", 4}}).find("needs --cols"), std::string::npos);
  EXPECT_NE(rejection(tp, {{"rows", 4}, {"cols", 4}, {"n", 1}}).find("unknown parameter 'n'"), std::string::npos);
  EXPECT_EQ(rejection(tp, tr(1024, 1024)), "no error");
  const OpDef& op = find_op("nchw_to_nhwc");
  EXPECT_NE(rejection(op, nchw(1, -3, 4, 4)).find("--c -3 is out of range"), std::string::npos);
  EXPECT_NE(rejection(op, {{"n", 1}, {"c", 3}, {"h", 4}}).find("needs --w"), std::string::npos);
  EXPECT_NE(rejection(op, {{"rows", 4}, {"cols", 4}}).find("unknown parameter"), std::string::npos);
  EXPECT_NE(rejection(op, nchw(4096, 4096, 64, 64)).find("GiB"), std::string::npos);
  EXPECT_EQ(rejection(op, nchw(128, 16, 32, 32)), "no error");
}

TEST(LayoutCopyOp, DescribesItselfAndCountsWork) {
  const OpDef& tp = find_op("transpose");
  const OpDef& op = find_op("nchw_to_nhwc");
  EXPECT_TRUE(tp.has_backward());
  EXPECT_TRUE(op.has_backward());
  EXPECT_EQ(tp.shape_label(tr(1024, 512)), "r1024-c512");
  EXPECT_EQ(op.shape_label(nchw(128, 16, 32, 32)), "n128-c16-h32-w32");
  for (const OpDef* o : {&tp, &op}) EXPECT_NE(o->description().find("view"), std::string::npos) << o->name();
  EXPECT_DOUBLE_EQ(tp.flops(tr(3, 5)), 0);
  EXPECT_DOUBLE_EQ(tp.bytes(tr(3, 5)), 8.0 * 15);
  EXPECT_DOUBLE_EQ(op.bytes(nchw(2, 3, 5, 7)), 8.0 * 210);
  // The backward pass is one copy as well, not twice the forward.
  EXPECT_DOUBLE_EQ(op.backward_bytes(nchw(2, 3, 5, 7)), 8.0 * 210);
  EXPECT_DOUBLE_EQ(op.backward_flops(nchw(2, 3, 5, 7)), 0);
  EXPECT_DOUBLE_EQ(tp.work_bytes(make_case("transpose", tr(3, 5), "backward")), 8.0 * 15);
}

}  // namespace
}  // namespace versus
