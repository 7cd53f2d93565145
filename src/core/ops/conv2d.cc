// conv2d forward (X, W -> Y) and backward (X, W, dY -> dX, dW) with a direct float64 reference.
// The reference loops index NCHW/OIHW; an nhwc case's operands are permuted to that order on the
// way in and its results back on the way out (a copy, far cheaper than the convolution).
//
// Error metric: each element's error divided by Σ|a|·|b| over its own reduction (Y: |x|·|w|
// over the receptive field; dX: |dy|·|w| over the outputs that read the pixel; dW: |x|·|dy|
// over batch and positions). Any float32 summation order of a direct or GEMM-based algorithm
// keeps it below depth·2⁻²⁴, depth being the number of terms.
// Tolerance: 1.01·(depth + 2048)·2⁻²⁴. The additive 2048·2⁻²⁴ ≈ 1.2e-4 admits the fast
// algorithms cuDNN may pick (oneDNN only when asked): Winograd F(2×2,3×3) and F(4×4,3×3) and FFT
// add transform rounding that scales with the transform's constants, not with depth. That
// allowance is an engineering estimate, not a proof, to be confirmed on a GPU. Deliberately not
// admitted: Winograd F(6×6,3×3) (NNPACK's choice for 3×3; 1-D F(6,3) keeps about 12 bits in
// float32) and TF32 tensor cores (10-bit inputs) — neither is a float32 convolution. At large
// c·r·s, TF32's error can hide under the depth term, so backends should record whether TF32 is on.
#include "core/ops/conv2d.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "core/errors.h"
#include "core/op_registry.h"
#include "core/ops/dtype.h"
#include "core/ops/op_tensors.h"
#include "core/ops/params.h"
#include "core/ops/scaled_check.h"
#include "core/rng.h"

namespace versus {
namespace {

constexpr double kFastAlgorithmAllowance = 2048;

int64_t floor_div(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }
int64_t ceil_div(int64_t a, int64_t b) { return -floor_div(-a, b); }
int64_t ceil_div_positive(int64_t a, int64_t b) { return (a + b - 1) / b; }

// Calls fn(x_index, y_index, w_index, count) for every run of `count` multiply-adds that share
// one weight: Y[y_index + j] += X[x_index + j·stride] · W[w_index], j < count. Runs are clipped
// to the unpadded input, so padding never costs work. The plane being accumulated into stays
// in cache: Y's with output channels outer, dX's with input channels outer. Callers
// special-case stride 1 so that the inner loops vectorise.
template <bool kInputChannelOuter = false, class Fn>
void for_each_run(const Conv2dParams& p, Fn&& fn) {
  const int64_t ho = p.ho(), wo = p.wo();
  for (int64_t n = 0; n < p.n; ++n)
    for (int64_t outer = 0; outer < (kInputChannelOuter ? p.c : p.k); ++outer)
      for (int64_t inner = 0; inner < (kInputChannelOuter ? p.k : p.c); ++inner)
        for (int64_t r = 0; r < p.r; ++r)
          for (int64_t s = 0; s < p.s; ++s) {
            const int64_t k = kInputChannelOuter ? inner : outer, c = kInputChannelOuter ? outer : inner;
            const int64_t ow0 = std::max<int64_t>(0, ceil_div(p.pad - s, p.stride));
            const int64_t ow1 = std::min(wo, floor_div(p.w - 1 + p.pad - s, p.stride) + 1);
            if (ow1 <= ow0) continue;
            const int64_t w_index = ((k * p.c + c) * p.r + r) * p.s + s;
            for (int64_t oh = 0; oh < ho; ++oh) {
              const int64_t ih = oh * p.stride + r - p.pad;
              if (ih < 0 || ih >= p.h) continue;
              const int64_t x_index = ((n * p.c + c) * p.h + ih) * p.w + ow0 * p.stride + s - p.pad;
              const int64_t y_index = ((n * p.k + k) * ho + oh) * wo + ow0;
              fn(x_index, y_index, w_index, ow1 - ow0);
            }
          }
}

std::vector<double> forward(const Conv2dParams& p, const float* x, const float* w) {
  std::vector<double> y(static_cast<size_t>(p.n * p.k * p.ho() * p.wo()), 0.0);
  for_each_run(p, [&](int64_t xi, int64_t yi, int64_t wi, int64_t count) {
    const double wv = w[wi];
    double* out = &y[yi];
    const float* in = &x[xi];
    if (p.stride == 1) {
      for (int64_t j = 0; j < count; ++j) out[j] += wv * in[j];
    } else {
      for (int64_t j = 0; j < count; ++j) out[j] += wv * in[j * p.stride];
    }
  });
  return y;
}

std::vector<double> backward_data(const Conv2dParams& p, const float* dy, const float* w) {
  std::vector<double> dx(static_cast<size_t>(p.n * p.c * p.h * p.w), 0.0);
  for_each_run<true>(p, [&](int64_t xi, int64_t yi, int64_t wi, int64_t count) {
    const double wv = w[wi];
    double* out = &dx[xi];
    const float* in = &dy[yi];
    if (p.stride == 1) {
      for (int64_t j = 0; j < count; ++j) out[j] += wv * in[j];
    } else {
      for (int64_t j = 0; j < count; ++j) out[j * p.stride] += wv * in[j];
    }
  });
  return dx;
}

std::vector<double> backward_filter(const Conv2dParams& p, const float* x, const float* dy) {
  std::vector<double> dw(static_cast<size_t>(p.k * p.c * p.r * p.s), 0.0);
  for_each_run(p, [&](int64_t xi, int64_t yi, int64_t wi, int64_t count) {
    const float* g = &dy[yi];
    const float* in = &x[xi];
    // Four partial sums: a single chain of dependent float64 adds cannot be vectorised.
    double acc[4] = {0, 0, 0, 0};
    int64_t j = 0;
    for (; j + 4 <= count; j += 4)
      for (int64_t u = 0; u < 4; ++u) acc[u] += static_cast<double>(g[j + u]) * in[(j + u) * p.stride];
    for (; j < count; ++j) acc[0] += static_cast<double>(g[j]) * in[j * p.stride];
    dw[wi] += (acc[0] + acc[1]) + (acc[2] + acc[3]);
  });
  return dw;
}

HostTensor to_tensor(std::string name, std::vector<int64_t> shape, const std::vector<double>& v) {
  return {std::move(name), std::move(shape), std::vector<float>(v.begin(), v.end())};
}

std::vector<float> magnitudes(const std::vector<float>& v) {
  std::vector<float> out(v.size());
  std::transform(v.begin(), v.end(), out.begin(), [](float x) { return std::fabs(x); });
  return out;
}

// X, W and dY (where present) in the NCHW/OIHW order the loops index.
std::vector<std::vector<float>> nchw_operands(const Conv2dParams& p, const std::vector<HostTensor>& in) {
  std::vector<std::vector<float>> out;
  for (size_t i = 0; i < in.size(); ++i) {
    if (!p.nhwc()) out.push_back(in[i].data);
    else if (i == 1) out.push_back(permute_axes(in[i].data, p.w_shape(), kHwioToOihw));
    else out.push_back(permute_axes(in[i].data, i == 0 ? p.x_shape() : p.y_shape(), kNhwcToNchw));
  }
  return out;
}

// An activation (Y, dX) computed in NCHW order, of NCHW shape `nchw`, in the case's layout.
template <class T>
std::vector<T> activation_out(const Conv2dParams& p, std::vector<T> v, const std::vector<int64_t>& nchw) {
  return p.nhwc() ? permute_axes(v, nchw, kNchwToNhwc) : v;
}
// A filter-shaped result (dW) computed in OIHW order, in the case's layout.
template <class T>
std::vector<T> weight_out(const Conv2dParams& p, std::vector<T> v) {
  return p.nhwc() ? permute_axes(v, {p.k, p.c, p.r, p.s}, kOihwToHwio) : v;
}

double tolerance(double depth) { return 1.01 * (depth + kFastAlgorithmAllowance) * kUnitRoundoff; }

class Conv2dOp final : public OpDef {
 public:
  std::string name() const override { return "conv2d"; }
  std::string description() const override {
    return "Y = conv(X, W), float32, no bias (n,c,h,w,k,r,s, stride, pad; layout nchw: NCHW/OIHW, "
           "or nhwc: NHWC/HWIO; weight_grad_only: backward gives dW alone, as a network's first layer)";
  }
  void validate_params(const nlohmann::json& p) const override { parse_conv2d_params(p); }
  std::string shape_label(const nlohmann::json& p) const override {
    const Conv2dParams q = parse_conv2d_params(p);
    return fmt::format("n{}-c{}-h{}-w{}-k{}-r{}-s{}-st{}-p{}{}{}", q.n, q.c, q.h, q.w, q.k, q.r, q.s, q.stride, q.pad,
                       q.nhwc() ? "-nhwc" : "", q.weight_grad_only ? "-dw" : "");
  }
  bool has_backward() const override { return true; }

  std::vector<HostTensor> make_inputs(const CaseSpec& c) const override {
    const Conv2dParams p = parse_conv2d_params(c.params);
    std::vector<HostTensor> in = {{"X", p.x_shape(), {}}, {"W", p.w_shape(), {}}};
    if (c.direction == "backward") in.push_back({"dY", p.y_shape(), {}});
    for (size_t i = 0; i < in.size(); ++i) {
      in[i].data.resize(static_cast<size_t>(in[i].elements()));
      fill_uniform(in[i].data, c.seed, i, -1.0f, 1.0f);
      round_to(parse_dtype(c.dtype), in[i].data);  // exact in a 16-bit case's type
    }
    return in;
  }

  std::vector<HostTensor> reference(const CaseSpec& c, const std::vector<HostTensor>& in) const override {
    const Conv2dParams p = parse_conv2d_params(c.params);
    require_inputs(in, name(), expected_inputs(p, c.direction == "backward"));
    const std::vector<std::vector<float>> v = nchw_operands(p, in);
    const float *x = v[0].data(), *w = v[1].data();
    if (c.direction != "backward")
      return {to_tensor("Y", p.y_shape(), activation_out(p, forward(p, x, w), {p.n, p.k, p.ho(), p.wo()}))};
    const float* dy = v[2].data();
    HostTensor dw = to_tensor("dW", p.w_shape(), weight_out(p, backward_filter(p, x, dy)));
    if (p.weight_grad_only) return {std::move(dw)};
    return {to_tensor("dX", p.x_shape(), activation_out(p, backward_data(p, dy, w), {p.n, p.c, p.h, p.w})),
            std::move(dw)};
  }

  Validation check(const CaseSpec& c, const std::vector<HostTensor>& in, const std::vector<HostTensor>& refs,
                   const std::vector<std::vector<float>>& results) const override {
    const Conv2dParams p = parse_conv2d_params(c.params);
    require_inputs(in, name(), expected_inputs(p, c.direction == "backward"));
    const std::vector<std::vector<float>> v = nchw_operands(p, in);
    const std::vector<float> x = magnitudes(v[0]), w = magnitudes(v[1]);
    // A 16-bit result is rounded to its type once more; 2 units leave room for partial sums too.
    const DType t = parse_dtype(c.dtype);
    const double rounding = t == DType::kFloat32 ? 0.0 : 2 * unit_roundoff(t);
    const auto tolerance = [rounding](double depth) { return versus::tolerance(depth) + rounding; };
    if (c.direction != "backward") {
      const double depth = static_cast<double>(p.c * p.r * p.s);
      return check_scaled(
          {{&refs[0], activation_out(p, forward(p, x.data(), w.data()), {p.n, p.k, p.ho(), p.wo()}), tolerance(depth)}},
          results, "|Y-ref| / Σ|x|·|w| over the receptive field");
    }
    const std::vector<float> dy = magnitudes(v[2]);
    const double dx_depth = static_cast<double>(p.k * ceil_div_positive(p.r, p.stride) *
                                                ceil_div_positive(p.s, p.stride));
    const double dw_depth = static_cast<double>(p.n * p.ho() * p.wo());
    if (p.weight_grad_only)
      return check_scaled({{&refs[0], weight_out(p, backward_filter(p, x.data(), dy.data())), tolerance(dw_depth)}},
                          results, "|err| / Σ|a|·|b| over the element's own reduction");
    return check_scaled({{&refs[0], activation_out(p, backward_data(p, dy.data(), w.data()), {p.n, p.c, p.h, p.w}),
                          tolerance(dx_depth)},
                         {&refs[1], weight_out(p, backward_filter(p, x.data(), dy.data())), tolerance(dw_depth)}},
                        results, "|err| / Σ|a|·|b| over the element's own reduction");
  }

  // Forward: 2 per multiply-add, padding taps included as the usual convention counts them.
  // Backward (flops() is not told the direction) is twice that: one such pass per gradient.
  double flops(const nlohmann::json& params) const override {
    const Conv2dParams p = parse_conv2d_params(params);
    return 2.0 * static_cast<double>(p.n * p.k * p.ho() * p.wo()) * static_cast<double>(p.c * p.r * p.s);
  }
  double bytes(const nlohmann::json& params) const override {
    const Conv2dParams p = parse_conv2d_params(params);
    return 4.0 * static_cast<double>(p.n * p.c * p.h * p.w + p.k * p.c * p.r * p.s + p.n * p.k * p.ho() * p.wo());
  }

 private:
  static std::vector<int64_t> expected_inputs(const Conv2dParams& p, bool backward) {
    std::vector<int64_t> elements = {p.n * p.c * p.h * p.w, p.k * p.c * p.r * p.s};
    if (backward) elements.push_back(p.n * p.k * p.ho() * p.wo());
    return elements;
  }
};

}  // namespace

Conv2dParams parse_conv2d_params(const nlohmann::json& params) {
  const ParamReader rd("conv2d", params,
                      {"n", "c", "h", "w", "k", "r", "s", "stride", "pad", "layout", "weight_grad_only"});
  Conv2dParams p;
  p.n = rd.size("n");
  p.c = rd.size("c");
  p.h = rd.size("h");
  p.w = rd.size("w");
  p.k = rd.size("k");
  p.r = rd.size("r");
  p.s = rd.size("s");
  p.stride = rd.size_or("stride", 1, 1, 1024);
  p.pad = rd.size_or("pad", 0, 0, std::min(p.r, p.s) - 1);
  p.layout = rd.choice("layout", {"nchw", "nhwc"}) == "nhwc" ? Conv2dLayout::kNhwc : Conv2dLayout::kNchw;
  p.weight_grad_only = rd.flag("weight_grad_only");
  if (p.r > p.h + 2 * p.pad || p.s > p.w + 2 * p.pad)
    throw UserError(fmt::format("conv2d: the {}x{} kernel (r, s) is larger than the {}x{} input (h, w) padded by {}",
                                p.r, p.s, p.h, p.w, p.pad));
  // The backward pass holds X, W, dY, dX and dW at once.
  const double elements = 2.0 * (product({p.n, p.c, p.h, p.w}) + product({p.k, p.c, p.r, p.s})) +
                          product({p.n, p.k, p.ho(), p.wo()});
  rd.limit_elements(elements, fmt::format("n{} c{} {}x{} k{}", p.n, p.c, p.h, p.w, p.k));
  return p;
}

const OpDef& conv2d_op() {
  static const Conv2dOp op;
  return op;
}

}  // namespace versus
