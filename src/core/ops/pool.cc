// max_pool and avg_pool: forward (X -> Y) and backward (X, dY -> dX), float64 reference.
//
// max_pool's inputs are a random permutation of distinct values in every (n, c) plane: with a
// tie inside a window the gradient's destination is the framework's choice (first, last or
// split), so dX would differ between correct frameworks. The values are (2·rank + 1 - h·w)/2^e,
// exact in float32, so every framework's comparisons see the same order.
#include "core/ops/pool.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include <fmt/format.h>

#include "core/errors.h"
#include "core/op_registry.h"
#include "core/ops/op_tensors.h"
#include "core/ops/params.h"
#include "core/ops/scaled_check.h"
#include "core/rng.h"

namespace versus {
namespace {

// Distinct values need |2·rank + 1 - h·w| < 2²⁴ to stay exact in float32.
constexpr int64_t kMaxPlaneForDistinct = int64_t{1} << 24;

enum class Kind { kMax, kAvg };

// Each plane of `out` gets a seeded permutation of h·w distinct values in (-1, 1).
void fill_distinct(std::vector<float>& out, int64_t plane, uint64_t seed, uint64_t stream) {
  std::vector<float> keys(out.size());
  fill_uniform(keys, seed, stream, 0.0f, 1.0f);
  int e = 0;  // the smallest 2^e >= plane, in integers so that every platform agrees
  while ((int64_t{1} << e) < plane) ++e;
  const float scale = std::ldexp(1.0f, -e);
  std::vector<int64_t> order(static_cast<size_t>(plane));
  for (size_t base = 0; base < out.size(); base += static_cast<size_t>(plane)) {
    std::iota(order.begin(), order.end(), 0);
    // Ties in the 24-bit keys are broken by position, so the order is the same everywhere.
    std::sort(order.begin(), order.end(), [&](int64_t a, int64_t b) {
      return keys[base + a] != keys[base + b] ? keys[base + a] < keys[base + b] : a < b;
    });
    for (int64_t rank = 0; rank < plane; ++rank)
      out[base + order[rank]] = static_cast<float>(2 * rank + 1 - plane) * scale;
  }
}

// Calls fn(o, window) for every output element (o its flat NCHW index) with the flat indices of
// the real, unpadded input elements in its window.
template <class Fn>
void for_each_window(const PoolParams& p, Fn&& fn) {
  const int64_t ho = p.ho(), wo = p.wo();
  std::vector<int64_t> window;
  window.reserve(static_cast<size_t>(p.window * p.window));
  for (int64_t plane = 0; plane < p.n * p.c; ++plane)
    for (int64_t oh = 0; oh < ho; ++oh)
      for (int64_t ow = 0; ow < wo; ++ow) {
        window.clear();
        const int64_t h0 = oh * p.stride - p.pad, w0 = ow * p.stride - p.pad;
        for (int64_t ih = std::max<int64_t>(h0, 0); ih < std::min(h0 + p.window, p.h); ++ih)
          for (int64_t iw = std::max<int64_t>(w0, 0); iw < std::min(w0 + p.window, p.w); ++iw)
            window.push_back((plane * p.h + ih) * p.w + iw);
        fn((plane * ho + oh) * wo + ow, window);
      }
}

class PoolOp final : public OpDef {
 public:
  explicit PoolOp(Kind kind) : kind_(kind) {}

  std::string name() const override { return kind_ == Kind::kMax ? "max_pool" : "avg_pool"; }
  std::string description() const override {
    return kind_ == Kind::kMax ? "2-D max pooling, float32 NCHW (n,c,h,w, window, stride, pad)"
                               : "2-D average pooling excluding padding, float32 NCHW (n,c,h,w, window, stride, pad)";
  }
  void validate_params(const nlohmann::json& p) const override { parse_pool_params(name(), p); }
  std::string shape_label(const nlohmann::json& params) const override {
    const PoolParams p = parse_pool_params(name(), params);
    return fmt::format("n{}-c{}-h{}-w{}-win{}-st{}-p{}", p.n, p.c, p.h, p.w, p.window, p.stride, p.pad);
  }
  bool has_backward() const override { return true; }

  std::vector<HostTensor> make_inputs(const CaseSpec& c) const override {
    const PoolParams p = parse_pool_params(name(), c.params);
    std::vector<HostTensor> in = {{"X", {p.n, p.c, p.h, p.w}, {}}};
    in[0].data.resize(static_cast<size_t>(in[0].elements()));
    if (kind_ == Kind::kMax) fill_distinct(in[0].data, p.h * p.w, c.seed, 0);
    else fill_uniform(in[0].data, c.seed, 0, -1.0f, 1.0f);
    if (c.direction == "backward") {
      in.push_back({"dY", {p.n, p.c, p.ho(), p.wo()}, {}});
      in[1].data.resize(static_cast<size_t>(in[1].elements()));
      fill_uniform(in[1].data, c.seed, 1, -1.0f, 1.0f);
    }
    return in;
  }

  std::vector<HostTensor> reference(const CaseSpec& c, const std::vector<HostTensor>& in) const override {
    const PoolParams p = parse_pool_params(name(), c.params);
    require_inputs(in, name(), expected_inputs(p, c.direction == "backward"));
    if (c.direction != "backward") {
      const std::vector<double> y = forward(p, in[0].data, false);
      return {{"Y", {p.n, p.c, p.ho(), p.wo()}, std::vector<float>(y.begin(), y.end())}};
    }
    const std::vector<double> dx = backward(p, in[0].data, in[1].data, false);
    return {{"dX", in[0].shape, std::vector<float>(dx.begin(), dx.end())}};
  }

  // max_pool forward selects an input, so it must be exact. The other results are sums of at
  // most `terms` values (window elements, or windows overlapping a pixel), each divided by the
  // window's count for avg_pool: error <= (terms + 1)·2⁻²⁴ of the same sum taken over |values|.
  Validation check(const CaseSpec& c, const std::vector<HostTensor>& in, const std::vector<HostTensor>& refs,
                   const std::vector<std::vector<float>>& results) const override {
    const PoolParams p = parse_pool_params(name(), c.params);
    require_inputs(in, name(), expected_inputs(p, c.direction == "backward"));
    if (c.direction != "backward") {
      if (kind_ == Kind::kMax)
        return check_scaled({{&refs[0], std::vector<double>(refs[0].data.size(), 0.0), 0.0}}, results,
                            "|Y-ref| (a maximum is exact)");
      const double terms = static_cast<double>(p.window * p.window);
      return check_scaled({{&refs[0], forward(p, in[0].data, true), 1.01 * (terms + 1) * kUnitRoundoff}}, results,
                          "|Y-ref| / (Σ|x| over the window / count)");
    }
    const int64_t per_axis = (p.window + p.stride - 1) / p.stride;
    const double terms = static_cast<double>(per_axis * per_axis);
    return check_scaled({{&refs[0], backward(p, in[0].data, in[1].data, true), 1.01 * (terms + 1) * kUnitRoundoff}},
                        results, "|dX-ref| / Σ|dY contributions|");
  }

  // Nominal: one operation (comparison or addition) per window element; backward is not
  // distinguished (flops() is not told the direction).
  double flops(const nlohmann::json& params) const override {
    const PoolParams p = parse_pool_params(name(), params);
    return product({p.n, p.c, p.ho(), p.wo(), p.window, p.window});
  }
  double bytes(const nlohmann::json& params) const override {
    const PoolParams p = parse_pool_params(name(), params);
    return 4.0 * (product({p.n, p.c, p.h, p.w}) + product({p.n, p.c, p.ho(), p.wo()}));
  }

 private:
  static std::vector<int64_t> expected_inputs(const PoolParams& p, bool backward) {
    std::vector<int64_t> elements = {p.n * p.c * p.h * p.w};
    if (backward) elements.push_back(p.n * p.c * p.ho() * p.wo());
    return elements;
  }

  // With `magnitude`, sums |x| instead of x (the check's error scale; meaningless for max).
  std::vector<double> forward(const PoolParams& p, const std::vector<float>& x, bool magnitude) const {
    std::vector<double> y(static_cast<size_t>(p.n * p.c * p.ho() * p.wo()));
    for_each_window(p, [&](int64_t o, const std::vector<int64_t>& window) {
      if (kind_ == Kind::kMax) {
        double best = x[window[0]];
        for (int64_t i : window) best = std::max(best, static_cast<double>(x[i]));
        y[o] = best;
      } else {
        double sum = 0;
        for (int64_t i : window) sum += magnitude ? std::fabs(x[i]) : x[i];
        y[o] = sum / static_cast<double>(window.size());
      }
    });
    return y;
  }

  std::vector<double> backward(const PoolParams& p, const std::vector<float>& x, const std::vector<float>& dy,
                               bool magnitude) const {
    std::vector<double> dx(x.size(), 0.0);
    for_each_window(p, [&](int64_t o, const std::vector<int64_t>& window) {
      const double g = magnitude ? std::fabs(dy[o]) : dy[o];
      if (kind_ == Kind::kMax) {
        int64_t arg = window[0];
        for (int64_t i : window)
          if (x[i] > x[arg]) arg = i;
        dx[arg] += g;
      } else {
        for (int64_t i : window) dx[i] += g / static_cast<double>(window.size());
      }
    });
    return dx;
  }

  Kind kind_;
};

}  // namespace

PoolParams parse_pool_params(const std::string& op, const nlohmann::json& params) {
  const ParamReader rd(op, params, {"n", "c", "h", "w", "window", "stride", "pad"});
  PoolParams p;
  p.n = rd.size("n");
  p.c = rd.size("c");
  p.h = rd.size("h");
  p.w = rd.size("w");
  p.window = rd.size("window", 1, 1024);
  p.stride = rd.size_or("stride", p.window, 1, 1024);
  p.pad = rd.size_or("pad", 0, 0, p.window / 2);
  if (p.window > p.h + 2 * p.pad || p.window > p.w + 2 * p.pad)
    throw UserError(fmt::format("{}: --window {} is larger than the {}x{} input (h, w) padded by {}", op, p.window,
                                p.h, p.w, p.pad));
  if (op == "max_pool" && p.h * p.w > kMaxPlaneForDistinct)
    throw UserError(fmt::format("{}: h·w = {} is above {}: the inputs of one plane must be distinct float32 values",
                                op, p.h * p.w, kMaxPlaneForDistinct));
  // The backward pass holds X, dY and dX at once.
  rd.limit_elements(2.0 * product({p.n, p.c, p.h, p.w}) + product({p.n, p.c, p.ho(), p.wo()}),
                    fmt::format("n{} c{} {}x{}", p.n, p.c, p.h, p.w));
  return p;
}

const OpDef& max_pool_op() {
  static const PoolOp op(Kind::kMax);
  return op;
}
const OpDef& avg_pool_op() {
  static const PoolOp op(Kind::kAvg);
  return op;
}

}  // namespace versus
