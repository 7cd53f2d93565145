// layer_norm over the last dimension of a float32 matrix: params {"rows", "cols", "impl":
// "framework" | "composed"}, eps 1e-5 (PyTorch's and MXNet's default; Keras's is 1e-3: backends
// pass it). Per row i over its cols values:
//   mean_i, var_i (biased), x̂ = (x - mean_i)/sqrt(var_i + eps), Y = γ_j·x̂ + β_j
//   forward   inputs {X [rows, cols], gamma [cols], beta [cols]}  output {Y}
//   backward  inputs {X, gamma, beta, dY}  outputs {dX, dGamma = Σ_rows dY·x̂, dBeta = Σ_rows dY}
//             dX = (1/s)·(g - mean_row g - x̂·mean_row(g·x̂)) with g = dY·γ
// "impl": "framework" — the framework's layer norm as its users call it (torch layer_norm, MXNet
// LayerNorm, what keras.layers.LayerNormalization builds, oneDNN's layer normalization primitive);
// "composed" — mean, variance, rsqrt and the affine map from elementary ops.
// The error analysis is batch_norm's with the roles of rows and channels swapped (norm_stats.h):
// the statistics sum cols values per row, so Y and dX have the tolerance of a cols-term sum;
// dGamma and dBeta also sum rows values per column, so theirs is that of the longer sum.
#include "core/ops/layer_norm.h"

#include <cmath>

#include <fmt/format.h>

#include "core/op_registry.h"
#include "core/ops/norm_stats.h"
#include "core/ops/op_tensors.h"
#include "core/ops/params.h"
#include "core/ops/scaled_check.h"

namespace versus {
namespace {

constexpr int64_t kMaxDim = int64_t{1} << 24;

using Shape = LayerNormParams;
Shape parse(const nlohmann::json& p) { return parse_layer_norm_params(p); }

NormStats row_stats(const std::vector<float>& x, const Shape& s, int64_t i) {
  return norm_stats(x, static_cast<double>(s.cols), kLayerNormEps, [&](auto&& fn) {
    for (int64_t j = 0; j < s.cols; ++j) fn(i * s.cols + j);
  });
}

class LayerNormOp final : public OpDef {
 public:
  std::string name() const override { return "layer_norm"; }
  std::string description() const override {
    return "layer normalisation over the last axis of [rows, cols] with gamma and beta (eps 1e-5); "
           "impl=composed: from elementary ops";
  }
  void validate_params(const nlohmann::json& p) const override { parse(p); }
  std::string shape_label(const nlohmann::json& p) const override {
    const Shape s = parse(p);
    return fmt::format("r{}-c{}{}", s.rows, s.cols, s.composed ? "-composed" : "");
  }
  bool has_backward() const override { return true; }

  std::vector<HostTensor> make_inputs(const CaseSpec& c) const override {
    const Shape s = parse(c.params);
    // X off-centre ([-1, 3]): a backend that forgot to subtract the mean is far off.
    std::vector<HostTensor> in = {uniform_tensor("X", {s.rows, s.cols}, c.seed, 0, -1, 3),
                                  uniform_tensor("gamma", {s.cols}, c.seed, 1, 0.5f, 1.5f),
                                  uniform_tensor("beta", {s.cols}, c.seed, 2, -0.5f, 0.5f)};
    if (c.direction == "backward") in.push_back(uniform_tensor("dY", {s.rows, s.cols}, c.seed, 3, -1, 1));
    return in;
  }

  std::vector<HostTensor> reference(const CaseSpec& c, const std::vector<HostTensor>& in) const override {
    const Shape s = parse(c.params);
    const bool backward = c.direction == "backward";
    check_inputs(in, s, backward);
    const auto& x = in[0].data;
    const auto& gamma = in[1].data;
    const auto& beta = in[2].data;
    HostTensor out{backward ? "dX" : "Y", {s.rows, s.cols}, std::vector<float>(x.size())};
    std::vector<double> dgamma(static_cast<size_t>(s.cols)), dbeta(static_cast<size_t>(s.cols));
    const double m = static_cast<double>(s.cols);
    for (int64_t i = 0; i < s.rows; ++i) {
      const NormStats st = row_stats(x, s, i);
      auto xhat = [&](int64_t j) { return (x[i * s.cols + j] - st.mean) * st.inv_std; };
      if (!backward) {
        for (int64_t j = 0; j < s.cols; ++j) out.data[i * s.cols + j] = static_cast<float>(gamma[j] * xhat(j) + beta[j]);
        continue;
      }
      const float* dy = &in[3].data[i * s.cols];
      double sum_g = 0, sum_g_xhat = 0;
      for (int64_t j = 0; j < s.cols; ++j) {
        sum_g += dy[j] * gamma[j];
        sum_g_xhat += dy[j] * gamma[j] * xhat(j);
        dgamma[j] += dy[j] * xhat(j);
        dbeta[j] += dy[j];
      }
      for (int64_t j = 0; j < s.cols; ++j)
        out.data[i * s.cols + j] =
            static_cast<float>(st.inv_std * (dy[j] * gamma[j] - sum_g / m - xhat(j) * sum_g_xhat / m));
    }
    if (!backward) return {std::move(out)};
    HostTensor dg{"dGamma", {s.cols}, std::vector<float>(dgamma.begin(), dgamma.end())};
    HostTensor db{"dBeta", {s.cols}, std::vector<float>(dbeta.begin(), dbeta.end())};
    return {std::move(out), std::move(dg), std::move(db)};
  }

  // Per element, first order (norm_stats.h): |δx̂| <= ε·R·(1 + |x̂|). Forward Y = γx̂ + β; backward
  // as batch_norm's with g = dY·γ in place of γ·dY per channel, and dGamma/dBeta sums over rows.
  Validation check(const CaseSpec& c, const std::vector<HostTensor>& in, const std::vector<HostTensor>& refs,
                   const std::vector<std::vector<float>>& results) const override {
    const Shape s = parse(c.params);
    const bool backward = c.direction == "backward";
    check_inputs(in, s, backward);
    // Y and dX come from sums over a row (cols terms); dGamma and dBeta from sums over rows.
    std::vector<ScaledOutput> outs;
    for (size_t o = 0; o < refs.size(); ++o)
      outs.push_back({&refs[o], std::vector<double>(refs[o].data.size()),
                      norm_tolerance(static_cast<double>(o == 0 ? s.cols : std::max(s.rows, s.cols)))});
    const auto& x = in[0].data;
    const double m = static_cast<double>(s.cols);
    for (int64_t i = 0; i < s.rows; ++i) {
      const NormStats st = row_stats(x, s, i);
      auto xhat = [&](int64_t j) { return std::fabs(x[i * s.cols + j] - st.mean) * st.inv_std; };
      if (!backward) {
        for (int64_t j = 0; j < s.cols; ++j)
          outs[0].scale[i * s.cols + j] =
              std::fabs(in[1].data[j]) * (st.abs_mean * st.inv_std + xhat(j) * st.q / 2 +
                                          (std::fabs(x[i * s.cols + j]) + std::fabs(st.mean)) * st.inv_std) +
              std::fabs(in[2].data[j]);
        continue;
      }
      const float* dy = &in[3].data[i * s.cols];
      double d1 = 0, d2 = 0;  // mean |g|, mean |g|·|x̂|
      for (int64_t j = 0; j < s.cols; ++j) {
        const double g = std::fabs(dy[j] * in[1].data[j]);
        d1 += g;
        d2 += g * xhat(j);
      }
      d1 /= m;
      d2 /= m;
      const double r = st.r();
      for (int64_t j = 0; j < s.cols; ++j) {
        const double base = std::fabs(dy[j] * in[1].data[j]) + d1 + xhat(j) * d2;
        const double extra = d1 + d2 + (1 + xhat(j)) * r * (d1 + d2) + xhat(j) * d2;
        outs[0].scale[i * s.cols + j] = st.inv_std * (base * (1 + st.q / 2) + extra);
        outs[1].scale[j] += std::fabs(dy[j]) * (xhat(j) + r * (1 + xhat(j)));
        outs[2].scale[j] += std::fabs(dy[j]);
      }
    }
    return check_scaled(outs, results, "|err| / first-order error scale of the row statistics (see layer_norm.cc)");
  }

  // Nominal, per element: 4 for the statistics and 4 to normalise, as batch_norm.
  double flops(const nlohmann::json& p) const override {
    const Shape s = parse(p);
    return 8.0 * product({s.rows, s.cols});
  }
  double bytes(const nlohmann::json& p) const override {
    const Shape s = parse(p);
    return 4.0 * (2.0 * product({s.rows, s.cols}) + 2.0 * static_cast<double>(s.cols));
  }

 private:
  void check_inputs(const std::vector<HostTensor>& in, const Shape& s, bool backward) const {
    std::vector<int64_t> elements = {s.rows * s.cols, s.cols, s.cols};
    if (backward) elements.push_back(s.rows * s.cols);
    require_inputs(in, name(), elements);
  }
};

}  // namespace

LayerNormParams parse_layer_norm_params(const nlohmann::json& p) {
  const ParamReader r("layer_norm", p, {"rows", "cols", "impl"});
  const LayerNormParams s{r.size("rows", 1, kMaxDim), r.size("cols", 2, kMaxDim),
                          r.choice("impl", {"framework", "composed"}) == "composed"};
  r.limit_elements(3.0 * product({s.rows, s.cols}) + 5.0 * static_cast<double>(s.cols),
                   fmt::format("--rows {} --cols {} (X, dY and dX in the backward pass)", s.rows, s.cols));
  return s;
}

const OpDef& layer_norm_op() {
  static const LayerNormOp op;
  return op;
}

}  // namespace versus
