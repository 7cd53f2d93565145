// batch_norm (training mode): forward and backward with a float64 reference.
//
// Error analysis, per element, first order in the rounding errors. Let ε = the relative error
// of a float32 sum of the M values of a channel, s = sqrt(var + eps), x̂ = (x - mean)/s,
// A = mean|x|, Q = (mean x² + 2|mean|·A)/(var + eps) (covers one-pass E[x²] - mean² variance as
// well as two-pass and Welford), R = A/s + Q/2 + 1. Then
//   |δmean| <= ε·A,  |δs|/s <= ε·Q/2,  |δx̂| <= ε·(A/s + |x̂|·Q/2) <= ε·R·(1 + |x̂|),
// and each result's error is at most (ε + 8·2⁻²⁴) times the scale computed in check() (the
// 8·2⁻²⁴ covers the few roundings per element outside the sums).
// ε: a worst-case bound would be M·2⁻²⁴, which at realistic M (50 000) is ~3e-3 and would pass
// a backend that forgot eps = 1e-5 (TF's default 1e-3 shifts Y by ~1.5e-3 relative). We use
// min(M, 8·√M)·2⁻²⁴ instead: the probabilistic bound of Higham and Mary (SIAM J. Sci. Comput.
// 2019) with λ = 8, exceeded with probability below 2M·e⁻³² for any summation order with
// independent rounding errors. Naive recursive summation of these inputs has errors near
// √M·2⁻²⁴/6, so the margin is about 50.
#include "core/ops/batchnorm.h"

#include <cmath>

#include <fmt/format.h>

#include "core/errors.h"
#include "core/op_registry.h"
#include "core/ops/norm_stats.h"
#include "core/ops/op_tensors.h"
#include "core/ops/params.h"
#include "core/ops/scaled_check.h"
#include "core/rng.h"

namespace versus {
namespace {

using ChannelStats = NormStats;

struct Layout {
  int64_t n, c, plane;  // plane = h·w
  int64_t index(int64_t in, int64_t ch, int64_t i) const { return (in * c + ch) * plane + i; }
};

template <class Fn>
void for_channel(const Layout& l, int64_t ch, Fn&& fn) {
  for (int64_t in = 0; in < l.n; ++in)
    for (int64_t i = 0; i < l.plane; ++i) fn(l.index(in, ch, i));
}

ChannelStats stats(const Layout& l, int64_t ch, const std::vector<float>& x) {
  return norm_stats(x, static_cast<double>(l.n * l.plane), kBatchNormEps,
                    [&](auto&& fn) { for_channel(l, ch, fn); });
}

Layout layout(const BatchNormParams& p) { return {p.n, p.c, p.h * p.w}; }

class BatchNormOp final : public OpDef {
 public:
  std::string name() const override { return "batch_norm"; }
  std::string description() const override {
    return "batch normalisation, training mode (batch statistics, eps 1e-5), float32 NCHW (n,c,h,w)";
  }
  void validate_params(const nlohmann::json& p) const override { parse_batch_norm_params(p); }
  std::string shape_label(const nlohmann::json& params) const override {
    const BatchNormParams p = parse_batch_norm_params(params);
    return fmt::format("n{}-c{}-h{}-w{}", p.n, p.c, p.h, p.w);
  }
  bool has_backward() const override { return true; }

  std::vector<HostTensor> make_inputs(const CaseSpec& c) const override {
    const BatchNormParams p = parse_batch_norm_params(c.params);
    std::vector<HostTensor> in = {{"X", {p.n, p.c, p.h, p.w}, {}}, {"gamma", {p.c}, {}}, {"beta", {p.c}, {}}};
    if (c.direction == "backward") in.push_back({"dY", {p.n, p.c, p.h, p.w}, {}});
    for (auto& t : in) t.data.resize(static_cast<size_t>(t.elements()));
    fill_uniform(in[0].data, c.seed, 0, -1.0f, 1.0f);
    fill_uniform(in[1].data, c.seed, 1, 0.5f, 1.5f);  // away from 0, so every channel matters
    fill_uniform(in[2].data, c.seed, 2, -0.5f, 0.5f);
    if (in.size() > 3) fill_uniform(in[3].data, c.seed, 3, -1.0f, 1.0f);
    return in;
  }

  std::vector<HostTensor> reference(const CaseSpec& c, const std::vector<HostTensor>& in) const override {
    const BatchNormParams p = parse_batch_norm_params(c.params);
    require_inputs(in, name(), expected_inputs(p, c.direction == "backward"));
    const Layout l = layout(p);
    const auto& x = in[0].data;
    const bool backward = c.direction == "backward";
    HostTensor out{backward ? "dX" : "Y", in[0].shape, std::vector<float>(x.size())};
    HostTensor dgamma{"dGamma", {p.c}, std::vector<float>(static_cast<size_t>(p.c))};
    HostTensor dbeta{"dBeta", {p.c}, std::vector<float>(static_cast<size_t>(p.c))};
    const double m = static_cast<double>(p.per_channel());
    for (int64_t ch = 0; ch < p.c; ++ch) {
      const ChannelStats st = stats(l, ch, x);
      const double gamma = in[1].data[ch], beta = in[2].data[ch];
      auto xhat = [&](int64_t i) { return (x[i] - st.mean) * st.inv_std; };
      if (!backward) {
        for_channel(l, ch, [&](int64_t i) { out.data[i] = static_cast<float>(gamma * xhat(i) + beta); });
        continue;
      }
      const auto& dy = in[3].data;
      double sum_dy = 0, sum_dy_xhat = 0;
      for_channel(l, ch, [&](int64_t i) {
        sum_dy += dy[i];
        sum_dy_xhat += dy[i] * xhat(i);
      });
      dbeta.data[ch] = static_cast<float>(sum_dy);
      dgamma.data[ch] = static_cast<float>(sum_dy_xhat);
      for_channel(l, ch, [&](int64_t i) {
        out.data[i] = static_cast<float>(gamma * st.inv_std * (dy[i] - sum_dy / m - xhat(i) * sum_dy_xhat / m));
      });
    }
    if (!backward) return {out};
    return {out, dgamma, dbeta};
  }

  Validation check(const CaseSpec& c, const std::vector<HostTensor>& in, const std::vector<HostTensor>& refs,
                   const std::vector<std::vector<float>>& results) const override {
    const BatchNormParams p = parse_batch_norm_params(c.params);
    require_inputs(in, name(), expected_inputs(p, c.direction == "backward"));
    const Layout l = layout(p);
    const auto& x = in[0].data;
    const double m = static_cast<double>(p.per_channel());
    const double tol = norm_tolerance(m);
    const bool backward = c.direction == "backward";
    std::vector<ScaledOutput> outs;
    for (const HostTensor& r : refs) outs.push_back({&r, std::vector<double>(r.data.size()), tol});
    for (int64_t ch = 0; ch < p.c; ++ch) {
      const ChannelStats st = stats(l, ch, x);
      const double gamma = std::fabs(in[1].data[ch]), beta = std::fabs(in[2].data[ch]);
      auto xhat = [&](int64_t i) { return std::fabs(x[i] - st.mean) * st.inv_std; };
      if (!backward) {
        for_channel(l, ch, [&](int64_t i) {
          outs[0].scale[i] = gamma * (st.abs_mean * st.inv_std + xhat(i) * st.q / 2 +
                                      (std::fabs(x[i]) + std::fabs(st.mean)) * st.inv_std) + beta;
        });
        continue;
      }
      const auto& dy = in[3].data;
      double d1 = 0, d2 = 0;  // mean |dY|, mean |dY|·|x̂|
      for_channel(l, ch, [&](int64_t i) {
        d1 += std::fabs(dy[i]);
        d2 += std::fabs(dy[i]) * xhat(i);
      });
      d1 /= m;
      d2 /= m;
      const double r = st.r();
      for_channel(l, ch, [&](int64_t i) {
        const double base = std::fabs(dy[i]) + d1 + xhat(i) * d2;
        const double extra = d1 + d2 + (1 + xhat(i)) * r * (d1 + d2) + xhat(i) * d2;
        outs[0].scale[i] = gamma * st.inv_std * (base * (1 + st.q / 2) + extra);
      });
      outs[1].scale[ch] = m * (d2 + r * (d1 + d2));
      outs[2].scale[ch] = m * d1;
    }
    return check_scaled(outs, results,
                        "|err| / first-order error scale of the batch statistics (see batchnorm.cc)");
  }

  // Nominal, per element: 4 for the statistics (sum, subtract, square, sum) and 4 to normalise
  // (subtract, two multiplies, add). Backward (flops() is not told the direction) is about 12.
  double flops(const nlohmann::json& params) const override {
    const BatchNormParams p = parse_batch_norm_params(params);
    return 8.0 * product({p.n, p.c, p.h, p.w});
  }
  double bytes(const nlohmann::json& params) const override {
    const BatchNormParams p = parse_batch_norm_params(params);
    return 4.0 * (2.0 * product({p.n, p.c, p.h, p.w}) + 2.0 * static_cast<double>(p.c));
  }

 private:
  static std::vector<int64_t> expected_inputs(const BatchNormParams& p, bool backward) {
    std::vector<int64_t> elements = {p.n * p.c * p.h * p.w, p.c, p.c};
    if (backward) elements.push_back(p.n * p.c * p.h * p.w);
    return elements;
  }
};

}  // namespace

BatchNormParams parse_batch_norm_params(const nlohmann::json& params) {
  const ParamReader rd("batch_norm", params, {"n", "c", "h", "w"});
  BatchNormParams p;
  p.n = rd.size("n");
  p.c = rd.size("c");
  p.h = rd.size("h");
  p.w = rd.size("w");
  if (product({p.n, p.h, p.w}) < 2)
    throw UserError("batch_norm: n·h·w must be at least 2: training mode needs more than one value per channel");
  // The backward pass holds X, dY and dX at once.
  rd.limit_elements(3.0 * product({p.n, p.c, p.h, p.w}) + 5.0 * static_cast<double>(p.c),
                    fmt::format("n{} c{} {}x{}", p.n, p.c, p.h, p.w));
  return p;
}

const OpDef& batch_norm_op() {
  static const BatchNormOp op;
  return op;
}

}  // namespace versus
