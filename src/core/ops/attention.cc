// attention: scaled dot-product attention, params {"batch", "heads", "seq", "head_dim", "mask":
// "none" | "causal" | "padding", "impl": "framework" | "composed"}.
//   forward   inputs {Q, K, V [batch, heads, seq, head_dim]} (+ key_mask [batch, seq] of 1/0 for
//             mask=padding)  output {O = softmax(Q·Kᵀ/√d + mask)·V}, masked scores -∞
//   backward  inputs + dO  outputs {dQ, dK, dV}:  dV = Pᵀ·dO, dP = dO·Vᵀ,
//             dS = P ⊙ (dP - rowsum(dP ⊙ P)), dQ = dS·K/√d, dK = dSᵀ·Q/√d
// "impl": "framework" — the framework's fastest public path (libtorch scaled_dot_product_attention,
// MXNet's interleaved self-attention kernels, oneDNN ...); "composed" — two batched matmuls and a
// softmax, as a model written without them does.
//
// Error analysis (first order; ε the relative error of a float32 sum of M = max(seq, head_dim)
// terms, norm_stats.h's probabilistic bound): a score's absolute error is ε·a_ij with
// a_ij = Σ_d |q_id·k_jd|/√d; through the softmax P_ij's relative error is at most ε·ρ_i with
// ρ_i = 2·max_j a_ij + 1 (the numerator's exponent and the normaliser's). Each output's scale is
// what those errors and its own sums give, propagated with absolute values (check()).
#include "core/ops/attention.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "core/errors.h"
#include "core/op_registry.h"
#include "core/ops/norm_stats.h"
#include "core/ops/op_tensors.h"
#include "core/ops/params.h"
#include "core/ops/scaled_check.h"

namespace versus {
namespace {

// One head's float64 forward state: P [seq, seq] and the score magnitudes ρ per query.
struct Head {
  std::vector<double> p, rho;
};

bool attends(const AttentionParams& a, int64_t b, int64_t i, int64_t j) {
  if (a.mask == AttentionMask::kCausal) return j <= i;
  if (a.mask == AttentionMask::kPadding) return j < attention_valid_length(a, b);
  return true;
}

// P for head (b, h); `base` is the offset of its [seq, head_dim] block in Q, K and V.
Head softmax_head(const AttentionParams& a, const std::vector<HostTensor>& in, int64_t b, int64_t base) {
  const int64_t s = a.seq, d = a.head_dim;
  const double scale = 1 / std::sqrt(static_cast<double>(d));
  const float* q = &in[0].data[base];
  const float* k = &in[1].data[base];
  Head h{std::vector<double>(static_cast<size_t>(s * s)), std::vector<double>(static_cast<size_t>(s))};
  for (int64_t i = 0; i < s; ++i) {
    double max = -INFINITY, max_abs = 0;
    double* row = &h.p[i * s];
    for (int64_t j = 0; j < s; ++j) {
      if (!attends(a, b, i, j)) continue;
      double dot = 0, abs_dot = 0;
      for (int64_t t = 0; t < d; ++t) {
        dot += double(q[i * d + t]) * k[j * d + t];
        abs_dot += std::fabs(double(q[i * d + t]) * k[j * d + t]);
      }
      row[j] = dot * scale;
      max = std::max(max, row[j]);
      max_abs = std::max(max_abs, abs_dot * scale);
    }
    double z = 0;
    for (int64_t j = 0; j < s; ++j) z += row[j] = attends(a, b, i, j) ? std::exp(row[j] - max) : 0.0;
    for (int64_t j = 0; j < s; ++j) row[j] /= z;
    h.rho[i] = 2 * max_abs + 1;
  }
  return h;
}

class AttentionOp final : public OpDef {
 public:
  std::string name() const override { return "attention"; }
  std::string description() const override {
    return "O = softmax(Q·Kᵀ/√d + mask)·V over [batch, heads, seq, head_dim] (mask none, causal or padding; "
           "impl=composed: matmul, softmax, matmul); backward: dQ, dK, dV";
  }
  void validate_params(const nlohmann::json& p) const override { parse_attention_params(p); }
  std::string shape_label(const nlohmann::json& params) const override {
    const AttentionParams a = parse_attention_params(params);
    static const char* const masks[] = {"", "-causal", "-padding"};
    return fmt::format("b{}-h{}-s{}-d{}{}{}", a.batch, a.heads, a.seq, a.head_dim,
                       masks[static_cast<int>(a.mask)], a.composed ? "-composed" : "");
  }
  bool has_backward() const override { return true; }

  std::vector<HostTensor> make_inputs(const CaseSpec& c) const override {
    const AttentionParams a = parse_attention_params(c.params);
    const std::vector<int64_t> shape = {a.batch, a.heads, a.seq, a.head_dim};
    std::vector<HostTensor> in = {uniform_tensor("Q", shape, c.seed, 0, -1, 1), uniform_tensor("K", shape, c.seed, 1, -1, 1),
                                  uniform_tensor("V", shape, c.seed, 2, -1, 1)};
    if (a.mask == AttentionMask::kPadding) {
      HostTensor m{"key_mask", {a.batch, a.seq}, std::vector<float>(static_cast<size_t>(a.batch * a.seq))};
      for (int64_t b = 0; b < a.batch; ++b)
        for (int64_t j = 0; j < attention_valid_length(a, b); ++j) m.data[b * a.seq + j] = 1;
      in.push_back(std::move(m));
    }
    if (c.direction == "backward") in.push_back(uniform_tensor("dO", shape, c.seed, 3, -1, 1));
    return in;
  }

  std::vector<HostTensor> reference(const CaseSpec& c, const std::vector<HostTensor>& in) const override {
    return compute(c, in, /*scales=*/false);
  }

  Validation check(const CaseSpec& c, const std::vector<HostTensor>& in, const std::vector<HostTensor>& refs,
                   const std::vector<std::vector<float>>& results) const override {
    const AttentionParams a = parse_attention_params(c.params);
    const std::vector<HostTensor> scales = compute(c, in, /*scales=*/true);
    // Two chained sums (scores, then the products with V or dO), each within the bound.
    const double tol = 2 * norm_tolerance(static_cast<double>(std::max(a.seq, a.head_dim)));
    std::vector<ScaledOutput> outs;
    for (size_t o = 0; o < refs.size(); ++o)
      outs.push_back({&refs[o], std::vector<double>(scales.at(o).data.begin(), scales[o].data.end()), tol});
    return check_scaled(outs, results, "|err| / first-order error scale of the scores and sums (see attention.cc)");
  }

  // Nominal: two matmuls of 2·seq²·head_dim per head, the softmax's 5 per score.
  double flops(const nlohmann::json& params) const override {
    const AttentionParams a = parse_attention_params(params);
    return product({a.batch, a.heads, a.seq}) * (4.0 * static_cast<double>(a.seq * a.head_dim) + 5.0 * static_cast<double>(a.seq));
  }
  // Q, K, V and O; the scores, when not fused away, come on top.
  double bytes(const nlohmann::json& params) const override {
    return 16.0 * static_cast<double>(parse_attention_params(params).elements());
  }

 private:
  // The reference outputs, or (scales) the error scale of each element of them.
  std::vector<HostTensor> compute(const CaseSpec& c, const std::vector<HostTensor>& in, bool scales) const {
    const AttentionParams a = parse_attention_params(c.params);
    const bool backward = c.direction == "backward";
    const int64_t n = a.elements();
    std::vector<int64_t> expected = {n, n, n};
    if (a.mask == AttentionMask::kPadding) expected.push_back(a.batch * a.seq);
    if (backward) expected.push_back(n);
    require_inputs(in, name(), expected);
    const std::vector<int64_t> shape = {a.batch, a.heads, a.seq, a.head_dim};
    auto tensor = [&](const char* t) { return HostTensor{t, shape, std::vector<float>(static_cast<size_t>(n))}; };
    std::vector<HostTensor> out = backward ? std::vector<HostTensor>{tensor("dQ"), tensor("dK"), tensor("dV")}
                                           : std::vector<HostTensor>{tensor("O")};
    const int64_t s = a.seq, d = a.head_dim;
    const double inv_sqrt_d = 1 / std::sqrt(static_cast<double>(d));
    auto mag = [&](double x) { return scales ? std::fabs(x) : x; };
    for (int64_t b = 0; b < a.batch; ++b)
      for (int64_t hd = 0; hd < a.heads; ++hd) {
        const int64_t base = (b * a.heads + hd) * s * d;
        const Head h = softmax_head(a, in, b, base);
        const float* q = &in[0].data[base];
        const float* k = &in[1].data[base];
        const float* v = &in[2].data[base];
        if (!backward) {
          for (int64_t i = 0; i < s; ++i)
            for (int64_t t = 0; t < d; ++t) {
              double sum = 0;
              for (int64_t j = 0; j < s; ++j) sum += h.p[i * s + j] * mag(v[j * d + t]);
              out[0].data[base + i * d + t] = static_cast<float>(scales ? (1 + h.rho[i]) * sum : sum);
            }
          continue;
        }
        const float* dout = &in.back().data[base];
        // dP, and for the scales b_ij = Σ_t |dO_it|·|V_jt|.
        std::vector<double> dp(static_cast<size_t>(s * s)), bij(scales ? dp.size() : 0);
        for (int64_t i = 0; i < s; ++i)
          for (int64_t j = 0; j < s; ++j) {
            double sum = 0, abs_sum = 0;
            for (int64_t t = 0; t < d; ++t) {
              sum += double(dout[i * d + t]) * v[j * d + t];
              abs_sum += std::fabs(double(dout[i * d + t]) * v[j * d + t]);
            }
            dp[i * s + j] = sum;
            if (scales) bij[i * s + j] = abs_sum;
          }
        // dS, or its error scale σ (file comment).
        std::vector<double> ds(dp.size());
        for (int64_t i = 0; i < s; ++i) {
          double delta = 0, delta_err = 0;
          for (int64_t j = 0; j < s; ++j) {
            delta += h.p[i * s + j] * dp[i * s + j];
            if (scales) delta_err += h.p[i * s + j] * ((1 + h.rho[i]) * std::fabs(dp[i * s + j]) + bij[i * s + j]);
          }
          for (int64_t j = 0; j < s; ++j) {
            const double pij = h.p[i * s + j], exact = pij * (dp[i * s + j] - delta);
            ds[i * s + j] = !scales ? exact
                                    : std::fabs(exact) + pij * (h.rho[i] * (std::fabs(dp[i * s + j]) + std::fabs(delta)) +
                                                                bij[i * s + j] + delta_err);
          }
        }
        for (int64_t t = 0; t < d; ++t) {
          for (int64_t i = 0; i < s; ++i) {  // dQ_it = Σ_j dS_ij·K_jt/√d
            double sum = 0;
            for (int64_t j = 0; j < s; ++j) sum += ds[i * s + j] * mag(k[j * d + t]);
            out[0].data[base + i * d + t] = static_cast<float>(sum * inv_sqrt_d);
          }
          for (int64_t j = 0; j < s; ++j) {  // dK_jt = Σ_i dS_ij·Q_it/√d, dV_jt = Σ_i P_ij·dO_it
            double sk = 0, sv = 0;
            for (int64_t i = 0; i < s; ++i) {
              sk += ds[i * s + j] * mag(q[i * d + t]);
              sv += h.p[i * s + j] * mag(dout[i * d + t]) * (scales ? 1 + h.rho[i] : 1);
            }
            out[1].data[base + j * d + t] = static_cast<float>(sk * inv_sqrt_d);
            out[2].data[base + j * d + t] = static_cast<float>(sv);
          }
        }
      }
    return out;
  }
};

}  // namespace

AttentionParams parse_attention_params(const nlohmann::json& params) {
  const ParamReader r("attention", params, {"batch", "heads", "seq", "head_dim", "mask", "impl"});
  AttentionParams a;
  a.batch = r.size("batch");
  a.heads = r.size("heads", 1, 1024);
  a.seq = r.size("seq");
  a.head_dim = r.size("head_dim", 1, 4096);
  const std::string mask = r.choice("mask", {"none", "causal", "padding"});
  a.mask = mask == "causal" ? AttentionMask::kCausal : mask == "padding" ? AttentionMask::kPadding : AttentionMask::kNone;
  a.composed = r.choice("impl", {"framework", "composed"}) == "composed";
  // Q, K, V, dO and three gradients, plus the scores and their gradient per head when not fused.
  r.limit_elements(7.0 * product({a.batch, a.heads, a.seq, a.head_dim}) + 2.0 * product({a.batch, a.heads, a.seq, a.seq}),
                   fmt::format("batch {} heads {} seq {} head_dim {} (Q, K, V, their gradients and the "
                               "[seq, seq] scores of every head)", a.batch, a.heads, a.seq, a.head_dim));
  return a;
}

int64_t attention_valid_length(const AttentionParams& p, int64_t b) {
  return std::max<int64_t>(1, p.seq - (b % 4) * p.seq / 8);
}

const OpDef& attention_op() {
  static const AttentionOp op;
  return op;
}

}  // namespace versus
