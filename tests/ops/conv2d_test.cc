// conv2d: hand-computed cross-correlations (padding, stride, channel order), gradients against
// finite differences, float32 results within tolerance, layout mistakes caught, bad shapes; the
// nhwc layout as the nchw reference on the same numbers permuted.
#include <gtest/gtest.h>

#include <cmath>

#include "core/ops/conv2d.h"
#include "op_checks.h"

namespace versus {
namespace {

using op_checks::make_case;
using op_checks::rejection;

nlohmann::json conv(int64_t n, int64_t c, int64_t h, int64_t w, int64_t k, int64_t r, int64_t s, int64_t stride = 1,
                    int64_t pad = 0) {
  return {{"n", n}, {"c", c}, {"h", h}, {"w", w}, {"k", k}, {"r", r}, {"s", s}, {"stride", stride}, {"pad", pad}};
}

nlohmann::json nhwc(nlohmann::json p) {
  p["layout"] = "nhwc";
  return p;
}

const HostTensor kX3x3{"X", {1, 1, 3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9}};

// A float32 convolution summing in the opposite order to the reference (channels innermost),
// as an im2col + GEMM implementation would.
std::vector<float> float32_forward(const Conv2dParams& p, const std::vector<float>& x, const std::vector<float>& w) {
  std::vector<float> y(static_cast<size_t>(p.n * p.k * p.ho() * p.wo()));
  for (int64_t n = 0; n < p.n; ++n)
    for (int64_t k = 0; k < p.k; ++k)
      for (int64_t oh = 0; oh < p.ho(); ++oh)
        for (int64_t ow = 0; ow < p.wo(); ++ow) {
          float acc = 0;
          for (int64_t r = 0; r < p.r; ++r)
            for (int64_t s = 0; s < p.s; ++s)
              for (int64_t c = 0; c < p.c; ++c) {
                const int64_t ih = oh * p.stride + r - p.pad, iw = ow * p.stride + s - p.pad;
                if (ih < 0 || ih >= p.h || iw < 0 || iw >= p.w) continue;
                acc += x[((n * p.c + c) * p.h + ih) * p.w + iw] * w[((k * p.c + c) * p.r + r) * p.s + s];
              }
          y[((n * p.k + k) * p.ho() + oh) * p.wo() + ow] = acc;
        }
  return y;
}

TEST(Conv2dOp, ForwardIsACrossCorrelation) {
  const OpDef& op = find_op("conv2d");
  // Not flipped: Y[0][0] = 1·1 + 2·2 + 4·3 + 5·4.
  const auto y = op.reference(make_case("conv2d", conv(1, 1, 3, 3, 1, 2, 2)), {kX3x3, {"W", {1, 1, 2, 2}, {1, 2, 3, 4}}});
  EXPECT_EQ(y.at(0).name, "Y");
  EXPECT_EQ(y[0].shape, (std::vector<int64_t>{1, 1, 2, 2}));
  EXPECT_EQ(y[0].data, (std::vector<float>{37, 47, 67, 77}));
}

TEST(Conv2dOp, ForwardHonoursPaddingAndStride) {
  // 3×3 ones, pad 1, stride 2 over a 3×3 input: each output sums a 2×2 corner.
  const auto y = find_op("conv2d").reference(make_case("conv2d", conv(1, 1, 3, 3, 1, 3, 3, 2, 1)),
                                             {kX3x3, {"W", {1, 1, 3, 3}, std::vector<float>(9, 1)}});
  EXPECT_EQ(y.at(0).shape, (std::vector<int64_t>{1, 1, 2, 2}));
  EXPECT_EQ(y[0].data, (std::vector<float>{12, 16, 24, 28}));
}

TEST(Conv2dOp, WeightsAreOutputChannelMajor) {
  // A 1×1 convolution is a per-pixel product with the k×c matrix W (OIHW).
  const auto y = find_op("conv2d").reference(make_case("conv2d", conv(1, 2, 1, 2, 2, 1, 1)),
                                             {{"X", {1, 2, 1, 2}, {1, 2, 3, 4}}, {"W", {2, 2, 1, 1}, {1, 10, 100, 1000}}});
  EXPECT_EQ(y.at(0).data, (std::vector<float>{31, 42, 3100, 4200}));
}

TEST(Conv2dOp, BackwardMatchesHandComputedValues) {
  const auto g = find_op("conv2d").reference(
      make_case("conv2d", conv(1, 1, 3, 3, 1, 2, 2), "backward"),
      {kX3x3, {"W", {1, 1, 2, 2}, {1, 2, 3, 4}}, {"dY", {1, 1, 2, 2}, {1, 0, 0, 0}}});
  EXPECT_EQ(op_checks::names(g), (std::vector<std::string>{"dX", "dW"}));
  EXPECT_EQ(g[0].shape, (std::vector<int64_t>{1, 1, 3, 3}));
  EXPECT_EQ(g[0].data, (std::vector<float>{1, 2, 0, 3, 4, 0, 0, 0, 0}));  // W placed at Y[0][0]'s window
  EXPECT_EQ(g[1].data, (std::vector<float>{1, 2, 4, 5}));                  // that window of X
}

TEST(Conv2dOp, BackwardMatchesFiniteDifferences) {
  const OpDef& op = find_op("conv2d");
  for (const nlohmann::json& p : {conv(2, 2, 5, 6, 3, 3, 2, 1, 1), conv(1, 3, 7, 7, 2, 3, 3, 2, 1),
                                  conv(2, 2, 5, 5, 2, 1, 1, 2, 0), conv(1, 2, 4, 5, 2, 2, 3, 3, 1)}) {
    op_checks::expect_gradient_matches_differences(op, p, 0, 0, 0.25);
    op_checks::expect_gradient_matches_differences(op, p, 1, 1, 0.25);
  }
}

TEST(Conv2dOp, InputsAreNamedSeededAndOrdered) {
  const OpDef& op = find_op("conv2d");
  const nlohmann::json p = conv(2, 3, 8, 9, 4, 3, 2, 2, 1);
  const auto fwd = op.make_inputs(make_case("conv2d", p));
  const auto bwd = op.make_inputs(make_case("conv2d", p, "backward"));
  EXPECT_EQ(op_checks::names(bwd), (std::vector<std::string>{"X", "W", "dY"}));
  EXPECT_EQ(fwd[1].shape, (std::vector<int64_t>{4, 3, 3, 2}));
  EXPECT_EQ(bwd[2].shape, (std::vector<int64_t>{2, 4, 4, 5}));  // ho = (8+2-3)/2+1, wo = (9+2-2)/2+1
  EXPECT_EQ(fwd[0].data, bwd[0].data);
  EXPECT_NE(std::vector<float>(fwd[0].data.begin(), fwd[0].data.begin() + 24), fwd[1].data);
}

// LeNet's two convolutions at batch 64 (reference and check take milliseconds) and a strided
// one, float32 in im2col order: within tolerance, with the margin the bound leaves.
TEST(Conv2dOp, Float32ResultsPassAndLayoutMistakesFail) {
  const OpDef& op = find_op("conv2d");
  for (const nlohmann::json& p : {conv(64, 1, 28, 28, 6, 5, 5), conv(64, 6, 12, 12, 16, 5, 5), conv(4, 8, 9, 9, 8, 3, 3, 2, 1)}) {
    SCOPED_TRACE(p.dump());
    const CaseSpec c = make_case("conv2d", p);
    const Conv2dParams q = parse_conv2d_params(p);
    const auto in = op.make_inputs(c);
    const auto ref = op.reference(c, in);
    const Validation ok = op.check(c, in, ref, {float32_forward(q, in[0].data, in[1].data)});
    EXPECT_TRUE(ok.passed) << ok.max_rel_error << " > " << ok.tolerance;
    EXPECT_GT(ok.max_rel_error, 0.0);
    EXPECT_LT(ok.max_rel_error, ok.tolerance / 10);

    // Kernel rows and columns swapped (HW read as WH), and the kernel flipped (a true convolution).
    std::vector<float> swapped(in[1].data.size()), flipped(in[1].data.size());
    for (int64_t kc = 0; kc < q.k * q.c; ++kc)
      for (int64_t r = 0; r < q.r; ++r)
        for (int64_t s = 0; s < q.s; ++s) {
          swapped[(kc * q.r + r) * q.s + s] = in[1].data[(kc * q.r + s) * q.s + r];
          flipped[(kc * q.r + r) * q.s + s] = in[1].data[(kc * q.r + q.r - 1 - r) * q.s + q.s - 1 - s];
        }
    for (const auto* w : {&swapped, &flipped}) {
      const Validation bad = op.check(c, in, ref, {float32_forward(q, in[0].data, *w)});
      EXPECT_FALSE(bad.passed);
      EXPECT_GT(bad.max_rel_error, 100 * bad.tolerance);
    }
  }
}

TEST(Conv2dOp, BackwardCheckNamesTheWrongGradient) {
  const OpDef& op = find_op("conv2d");
  const CaseSpec c = make_case("conv2d", conv(2, 3, 6, 6, 4, 3, 3, 1, 1), "backward");
  const auto in = op.make_inputs(c);
  const auto ref = op.reference(c, in);
  std::vector<std::vector<float>> got = {ref[0].data, ref[1].data};
  EXPECT_TRUE(op.check(c, in, ref, got).passed);
  std::swap(got[1][0], got[1][1]);
  const Validation bad = op.check(c, in, ref, got);
  EXPECT_FALSE(bad.passed);
  EXPECT_NE(bad.detail.find("dW[0][0][0]["), std::string::npos) << bad.detail;
}

// A network's first layer needs no dX: weight_grad_only's backward is the full one's dW alone,
// checked on its own (a dX where dW belongs fails), with its own shape label.
TEST(Conv2dOp, WeightGradOnlyIsTheFullBackwardsDwAlone) {
  const OpDef& op = find_op("conv2d");
  for (bool as_nhwc : {false, true}) {
    nlohmann::json p = conv(2, 3, 6, 5, 4, 3, 3, 1, 1);
    if (as_nhwc) p = nhwc(p);
    nlohmann::json q = p;
    q["weight_grad_only"] = true;
    const CaseSpec full = make_case("conv2d", p, "backward"), dw_only = make_case("conv2d", q, "backward");
    const auto in = op.make_inputs(full);
    ASSERT_EQ(op.make_inputs(dw_only).size(), 3u);  // X, W, dY: the forward still needs X
    const auto ref = op.reference(full, in), ref_dw = op.reference(dw_only, in);
    ASSERT_EQ(ref_dw.size(), 1u);
    EXPECT_EQ(ref_dw[0].name, "dW");
    EXPECT_EQ(ref_dw[0].data, ref[1].data);
    EXPECT_TRUE(op.check(dw_only, in, ref_dw, {ref_dw[0].data}).passed);
    std::vector<float> wrong = ref_dw[0].data;
    std::swap(wrong[0], wrong[1]);
    EXPECT_FALSE(op.check(dw_only, in, ref_dw, {wrong}).passed);
    op_checks::expect_check_rejects_corruption(op, dw_only);
    EXPECT_NE(op.shape_label(q), op.shape_label(p));
    EXPECT_TRUE(op.shape_label(q).ends_with("-dw")) << op.shape_label(q);
  }
}

TEST(Conv2dOp, CheckPassesTheReferenceAndFailsCorruptedResults) {
  for (const char* dir : {"forward", "backward"})
    op_checks::expect_check_rejects_corruption(find_op("conv2d"), make_case("conv2d", conv(2, 3, 7, 6, 4, 3, 3, 2, 1), dir));
}

// The nhwc reference must be the nchw one, element for element, on the same numbers: inputs
// permuted in, outputs permuted out. Exact equality, as both run the same float64 loops.
TEST(Conv2dOp, NhwcReferenceIsTheNchwReferencePermuted) {
  const OpDef& op = find_op("conv2d");
  for (const nlohmann::json& p : {conv(2, 3, 7, 6, 4, 3, 2, 2, 1), conv(3, 5, 9, 8, 2, 3, 3, 1, 1)})
    for (const char* dir : {"forward", "backward"}) {
      SCOPED_TRACE(p.dump() + " " + dir);
      const CaseSpec nchw_case = make_case("conv2d", p, dir), nhwc_case = make_case("conv2d", nhwc(p), dir);
      const Conv2dParams q = parse_conv2d_params(p);
      const auto in = op.make_inputs(nchw_case);
      std::vector<HostTensor> in_nhwc = op.make_inputs(nhwc_case);
      ASSERT_EQ(in_nhwc.size(), in.size());
      EXPECT_EQ(in_nhwc[0].shape, (std::vector<int64_t>{q.n, q.h, q.w, q.c}));
      EXPECT_EQ(in_nhwc[1].shape, (std::vector<int64_t>{q.r, q.s, q.c, q.k}));
      in_nhwc[0].data = permute_axes(in[0].data, in[0].shape, kNchwToNhwc);
      in_nhwc[1].data = permute_axes(in[1].data, in[1].shape, kOihwToHwio);
      if (in.size() == 3) {
        EXPECT_EQ(in_nhwc[2].shape, (std::vector<int64_t>{q.n, q.ho(), q.wo(), q.k}));
        in_nhwc[2].data = permute_axes(in[2].data, in[2].shape, kNchwToNhwc);
      }
      const auto ref = op.reference(nchw_case, in), ref_nhwc = op.reference(nhwc_case, in_nhwc);
      ASSERT_EQ(ref_nhwc.size(), ref.size());
      for (size_t o = 0; o < ref.size(); ++o) {
        const bool is_dw = o == 1;
        EXPECT_EQ(ref_nhwc[o].name, ref[o].name);
        // dX and dW have the shapes of X and W; Y is [n, ho, wo, k].
        const bool backward = in.size() == 3;
        EXPECT_EQ(ref_nhwc[o].shape, (backward ? in_nhwc[o].shape : std::vector<int64_t>{q.n, q.ho(), q.wo(), q.k}));
        EXPECT_EQ(ref_nhwc[o].data, permute_axes(ref[o].data, ref[o].shape, is_dw ? kOihwToHwio : kNchwToNhwc));
      }
      // check() judges nhwc results in nhwc order: the reference passes, nchw-ordered data fails.
      std::vector<std::vector<float>> got, nchw_order;
      for (size_t o = 0; o < ref.size(); ++o) got.push_back(ref_nhwc[o].data), nchw_order.push_back(ref[o].data);
      EXPECT_TRUE(op.check(nhwc_case, in_nhwc, ref_nhwc, got).passed);
      EXPECT_FALSE(op.check(nhwc_case, in_nhwc, ref_nhwc, nchw_order).passed);
      op_checks::expect_check_rejects_corruption(op, nhwc_case);
    }
  op_checks::expect_gradient_matches_differences(op, nhwc(conv(2, 2, 5, 6, 3, 3, 2, 1, 1)), 0, 0, 0.25);
  op_checks::expect_gradient_matches_differences(op, nhwc(conv(2, 2, 5, 6, 3, 3, 2, 1, 1)), 1, 1, 0.25);
}

TEST(Conv2dOp, PermuteAxesMovesEachElementToItsTransposedPlace) {
  // [1, 2, 1, 3] NCHW -> [1, 1, 3, 2] NHWC: channels interleave.
  EXPECT_EQ(permute_axes(std::vector<int>{1, 2, 3, 4, 5, 6}, {1, 2, 1, 3}, kNchwToNhwc), (std::vector<int>{1, 4, 2, 5, 3, 6}));
  const std::vector<int64_t> oihw = {2, 3, 2, 1};
  std::vector<float> w(12);
  for (size_t i = 0; i < w.size(); ++i) w[i] = float(i);
  const auto hwio = permute_axes(w, oihw, kOihwToHwio);
  EXPECT_EQ(hwio[((1 * 1 + 0) * 3 + 2) * 2 + 1], w[((1 * 3 + 2) * 2 + 1) * 1 + 0]);  // W[o1 i2 h1 w0]
  EXPECT_EQ(permute_axes(hwio, {2, 1, 3, 2}, kHwioToOihw), w);
  EXPECT_EQ(permute_axes(permute_axes(hwio, {2, 1, 3, 2}, kHwioToOhwi), {2, 2, 1, 3}, kOhwiToHwio), hwio);
}

TEST(Conv2dOp, LayoutIsNchwOrNhwc) {
  const OpDef& op = find_op("conv2d");
  nlohmann::json p = conv(1, 3, 8, 8, 4, 3, 3);
  EXPECT_FALSE(parse_conv2d_params(p).nhwc());
  p["layout"] = "nchw";
  EXPECT_EQ(rejection(op, p), "no error");
  EXPECT_EQ(op.shape_label(p), "n1-c3-h8-w8-k4-r3-s3-st1-p0");
  p["layout"] = "nhwc";
  EXPECT_TRUE(parse_conv2d_params(p).nhwc());
  EXPECT_EQ(op.shape_label(p), "n1-c3-h8-w8-k4-r3-s3-st1-p0-nhwc");
  p["layout"] = "NHWC";
  EXPECT_NE(rejection(op, p).find("--layout must be one of nchw, nhwc, got \"NHWC\""), std::string::npos) << rejection(op, p);
  p["layout"] = 1;
  EXPECT_NE(rejection(op, p).find("--layout must be one of nchw, nhwc, got 1"), std::string::npos) << rejection(op, p);
}

TEST(Conv2dOp, BadParametersAreRejectedWithTheirName) {
  const OpDef& op = find_op("conv2d");
  EXPECT_NE(rejection(op, conv(0, 3, 8, 8, 4, 3, 3)).find("--n 0 is out of range"), std::string::npos);
  EXPECT_NE(rejection(op, conv(1, 3, 8, 8, 4, 3, 3, 0)).find("--stride 0 is out of range"), std::string::npos);
  EXPECT_NE(rejection(op, conv(1, 3, 8, 8, 4, 3, 3, 1, 3)).find("--pad 3 is out of range; use 0..2"), std::string::npos);
  EXPECT_NE(rejection(op, conv(1, 3, 4, 8, 4, 7, 3, 1, 1)).find("larger than the 4x8 input"), std::string::npos);
  EXPECT_NE(rejection(op, {{"n", 1}, {"c", 1}, {"h", 4}, {"w", 4}, {"k", 1}, {"r", 3}}).find("needs --s"), std::string::npos);
  nlohmann::json typo = conv(1, 3, 8, 8, 4, 3, 3);
  typo["stide"] = 2;
  EXPECT_NE(rejection(op, typo).find("unknown parameter 'stide'"), std::string::npos);
  EXPECT_NE(rejection(op, conv(1024, 1024, 1024, 1024, 1, 1, 1)).find("GiB"), std::string::npos);
  EXPECT_EQ(rejection(op, conv(64, 3, 32, 32, 32, 3, 3, 1, 1)), "no error");
  EXPECT_EQ(rejection(op, {{"n", 1}, {"c", 1}, {"h", 4}, {"w", 4}, {"k", 1}, {"r", 3}, {"s", 3}}), "no error");
}

TEST(Conv2dOp, DescribeItselfAndCountsWork) {
  const OpDef& op = find_op("conv2d");
  EXPECT_TRUE(op.has_backward());
  EXPECT_EQ(op.shape_label(conv(64, 3, 32, 32, 32, 3, 3, 1, 1)), "n64-c3-h32-w32-k32-r3-s3-st1-p1");
  // 2 flops per multiply-add: n·k·ho·wo outputs, c·r·s each.
  EXPECT_DOUBLE_EQ(op.flops(conv(2, 3, 8, 8, 4, 3, 3)), 2.0 * 2 * 4 * 6 * 6 * 3 * 3 * 3);
  EXPECT_DOUBLE_EQ(op.bytes(conv(2, 3, 8, 8, 4, 3, 3)), 4.0 * (2 * 3 * 64 + 4 * 3 * 9 + 2 * 4 * 36));
}

}  // namespace
}  // namespace versus
