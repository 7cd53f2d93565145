// lstm: one LSTM layer, forward and backpropagation through time, with a float64 reference.
#include "core/ops/lstm.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "core/op_registry.h"
#include "core/ops/op_tensors.h"
#include "core/ops/params.h"
#include "core/ops/scaled_check.h"

namespace versus {
namespace {

double sigmoid(double a) { return 1.0 / (1.0 + std::exp(-a)); }

// The forward pass in float64, keeping what backpropagation reads: the activated gates
// [seq, batch, 4H] (i, f, g, o) and every step's c and h [seq, batch, H].
struct LstmStates {
  std::vector<double> gates, c, h;
};

LstmStates forward_states(const LstmParams& p, const std::vector<HostTensor>& in) {
  const int64_t H = p.hidden, G = p.gates(), I = p.input, B = p.batch;
  const std::vector<float>&x = in[0].data, &w_ih = in[1].data, &w_hh = in[2].data, &b_ih = in[3].data,
                   &b_hh = in[4].data;
  LstmStates s;
  s.gates.resize(static_cast<size_t>(p.seq * B * G));
  s.c.resize(static_cast<size_t>(p.seq * B * H));
  s.h.resize(s.c.size());
  const std::vector<double> zeros(static_cast<size_t>(B * H), 0.0);
  std::vector<double> a(static_cast<size_t>(G));
  for (int64_t t = 0; t < p.seq; ++t) {
    const double* h_prev = t ? &s.h[size_t((t - 1) * B * H)] : zeros.data();
    const double* c_prev = t ? &s.c[size_t((t - 1) * B * H)] : zeros.data();
    for (int64_t b = 0; b < B; ++b) {
      const float* xt = &x[size_t((t * B + b) * I)];
      const double* hp = h_prev + b * H;
      for (int64_t k = 0; k < G; ++k) {
        double sum = double(b_ih[size_t(k)]) + double(b_hh[size_t(k)]);
        for (int64_t j = 0; j < I; ++j) sum += double(w_ih[size_t(k * I + j)]) * xt[j];
        for (int64_t j = 0; j < H; ++j) sum += double(w_hh[size_t(k * H + j)]) * hp[j];
        a[size_t(k)] = sum;
      }
      double* g = &s.gates[size_t((t * B + b) * G)];
      double* c = &s.c[size_t((t * B + b) * H)];
      double* h = &s.h[size_t((t * B + b) * H)];
      for (int64_t u = 0; u < H; ++u) {
        const double ig = sigmoid(a[size_t(u)]), fg = sigmoid(a[size_t(H + u)]);
        const double gg = std::tanh(a[size_t(2 * H + u)]), og = sigmoid(a[size_t(3 * H + u)]);
        g[u] = ig, g[H + u] = fg, g[2 * H + u] = gg, g[3 * H + u] = og;
        c[u] = fg * c_prev[b * H + u] + ig * gg;
        h[u] = og * std::tanh(c[u]);
      }
    }
  }
  return s;
}

// Backpropagation through time in float64: dX, dW_ih, dW_hh, db_ih, db_hh of Σ dY·Y.
std::vector<std::vector<double>> backward_reference(const LstmParams& p, const std::vector<HostTensor>& in) {
  const int64_t H = p.hidden, G = p.gates(), I = p.input, B = p.batch;
  const std::vector<float>&x = in[0].data, &w_ih = in[1].data, &w_hh = in[2].data, &dy = in[5].data;
  const LstmStates s = forward_states(p, in);
  std::vector<double> dx(x.size(), 0.0), dw_ih(w_ih.size(), 0.0), dw_hh(w_hh.size(), 0.0), db(size_t(G), 0.0);
  // dh and dc flowing from step t+1 into step t.
  std::vector<double> dh_next(static_cast<size_t>(B * H), 0.0), dc_next(dh_next.size(), 0.0);
  std::vector<double> da(static_cast<size_t>(G));
  for (int64_t t = p.seq - 1; t >= 0; --t)
    for (int64_t b = 0; b < B; ++b) {
      const size_t row = size_t(t * B + b);
      const double* g = &s.gates[row * size_t(G)];
      const double* c = &s.c[row * size_t(H)];
      const double* c_prev = t ? &s.c[size_t((t - 1) * B + b) * size_t(H)] : nullptr;
      const double* h_prev = t ? &s.h[size_t((t - 1) * B + b) * size_t(H)] : nullptr;
      for (int64_t u = 0; u < H; ++u) {
        const double ig = g[u], fg = g[H + u], gg = g[2 * H + u], og = g[3 * H + u];
        const double tc = std::tanh(c[u]);
        const double dh = double(dy[row * size_t(H) + size_t(u)]) + dh_next[size_t(b * H + u)];
        const double dc = dc_next[size_t(b * H + u)] + dh * og * (1 - tc * tc);
        da[size_t(u)] = dc * gg * ig * (1 - ig);
        da[size_t(H + u)] = c_prev ? dc * c_prev[u] * fg * (1 - fg) : 0.0;
        da[size_t(2 * H + u)] = dc * ig * (1 - gg * gg);
        da[size_t(3 * H + u)] = dh * tc * og * (1 - og);
        dc_next[size_t(b * H + u)] = dc * fg;
      }
      const float* xt = &x[row * size_t(I)];
      double* dxt = &dx[row * size_t(I)];
      double* dh_prev = &dh_next[size_t(b * H)];
      std::fill(dh_prev, dh_prev + H, 0.0);
      for (int64_t k = 0; k < G; ++k) {
        const double d = da[size_t(k)];
        db[size_t(k)] += d;
        for (int64_t j = 0; j < I; ++j) {
          dw_ih[size_t(k * I + j)] += d * xt[j];
          dxt[j] += d * w_ih[size_t(k * I + j)];
        }
        for (int64_t j = 0; j < H; ++j) {
          if (h_prev) dw_hh[size_t(k * H + j)] += d * h_prev[j];
          dh_prev[j] += d * w_hh[size_t(k * H + j)];
        }
      }
    }
  return {dx, dw_ih, dw_hh, db, db};  // db_ih = db_hh: both biases enter every gate sum alike
}

HostTensor to_float(std::string name, std::vector<int64_t> shape, const std::vector<double>& v) {
  return {std::move(name), std::move(shape), std::vector<float>(v.begin(), v.end())};
}

// The check's tolerance, in units of the output's largest magnitude (see check()).
double lstm_tolerance(const LstmParams& p, bool backward) {
  const double terms_per_step =
      backward ? double(p.input + 4 * p.hidden + p.batch) : double(p.input + p.hidden);
  return 2.0 * kUnitRoundoff * std::sqrt(double(p.seq)) * (terms_per_step + 16.0);
}

class LstmOp final : public OpDef {
 public:
  std::string name() const override { return "lstm"; }
  std::string description() const override {
    return "one LSTM layer, time-major, gates i,f,g,o, h0 = c0 = 0, float32 (seq, batch, input, hidden); "
           "backward through time";
  }
  void validate_params(const nlohmann::json& p) const override { parse_lstm_params(p); }
  std::string shape_label(const nlohmann::json& params) const override {
    const LstmParams p = parse_lstm_params(params);
    return fmt::format("s{}-b{}-i{}-h{}", p.seq, p.batch, p.input, p.hidden);
  }
  bool has_backward() const override { return true; }

  // Weights and biases uniform in ±1/√hidden, PyTorch's nn.LSTM initialisation, so the gates
  // work in their sensitive range instead of saturating (which would hide wrong gradients).
  std::vector<HostTensor> make_inputs(const CaseSpec& c) const override {
    const LstmParams p = parse_lstm_params(c.params);
    const auto k = static_cast<float>(1.0 / std::sqrt(double(p.hidden)));
    std::vector<HostTensor> in = {uniform_tensor("X", {p.seq, p.batch, p.input}, c.seed, 0, -1.0f, 1.0f),
                                  uniform_tensor("W_ih", {p.gates(), p.input}, c.seed, 1, -k, k),
                                  uniform_tensor("W_hh", {p.gates(), p.hidden}, c.seed, 2, -k, k),
                                  uniform_tensor("b_ih", {p.gates()}, c.seed, 3, -k, k),
                                  uniform_tensor("b_hh", {p.gates()}, c.seed, 4, -k, k)};
    if (c.direction == "backward")
      in.push_back(uniform_tensor("dY", {p.seq, p.batch, p.hidden}, c.seed, 5, -1.0f, 1.0f));
    return in;
  }

  std::vector<HostTensor> reference(const CaseSpec& c, const std::vector<HostTensor>& in) const override {
    const LstmParams p = parse_lstm_params(c.params);
    const bool backward = c.direction == "backward";
    require_valid_inputs(p, in, backward);
    if (!backward) return {to_float("Y", {p.seq, p.batch, p.hidden}, forward_states(p, in).h)};
    const auto d = backward_reference(p, in);
    return {to_float("dX", {p.seq, p.batch, p.input}, d[0]), to_float("dW_ih", {p.gates(), p.input}, d[1]),
            to_float("dW_hh", {p.gates(), p.hidden}, d[2]), to_float("db_ih", {p.gates()}, d[3]),
            to_float("db_hh", {p.gates()}, d[4])};
  }

  // Each output is judged norm-wise: |got - ref| / max|ref| over that output, not per element.
  // An element of Y or of a gradient may be the small difference of large terms, and the
  // recurrence mixes every earlier step into it, so its own magnitude says little about its
  // rounding error; the output's scale does. Per step, a float32 implementation rounds the dot
  // products that form the gates (input + hidden terms), backward also those of dX and dh
  // (4·hidden terms) and one more accumulation per weight-gradient element for each of the
  // step's batch rows, and it evaluates σ and tanh with vectorised approximations good to a
  // few ulp (16 units allowed): a budget of 2·2⁻²⁴ per term, 2·2⁻²⁴·(terms per step + 16) per
  // step, in units of the output's scale. Across steps the budget grows with √seq,
  // not seq: each step's rounding errors are independent of the others' and are damped on the
  // way through later steps (σ' <= 1/4, the forget gate < 1, weights ±1/√hidden), so they add
  // like a random walk — a heuristic, not a proven bound, chosen with measurements:
  //   tolerance = 2·2⁻²⁴ · √seq · (terms per step + 16).
  // Small case (seq 5, batch 3, input 7, hidden 6): 7.7e-6 forward, 1.3e-5 backward; the four
  // frameworks and native measured <= 2e-7 and 3.4e-7. IMDB shape (seq 80, batch 32, 128/128):
  // 2.9e-4 forward, 7.3e-4 backward, measured <= 3.6e-7 and 1.7e-6 — hundreds of times below,
  // while a wrong gate order, a missing bias or recurrent term is off by percents of the scale.
  Validation check(const CaseSpec& c, const std::vector<HostTensor>& in, const std::vector<HostTensor>& refs,
                   const std::vector<std::vector<float>>& results) const override {
    const LstmParams p = parse_lstm_params(c.params);
    const bool backward = c.direction == "backward";
    require_valid_inputs(p, in, backward);
    const double tol = lstm_tolerance(p, backward);
    std::vector<ScaledOutput> outs;
    for (const HostTensor& r : refs) {
      double largest = 0;
      for (float v : r.data) largest = std::max(largest, std::fabs(double(v)));
      outs.push_back({&r, std::vector<double>(r.data.size(), largest), tol});
    }
    return check_scaled(outs, results, backward ? "|grad-ref| / max|ref| of that gradient" : "|Y-ref| / max|Y|");
  }

  // The matrix products only: per step the gate pre-activations, 2·batch·4·hidden·(input +
  // hidden) flops (the input part is one product over all steps in most implementations; the
  // count is the same). The element-wise gate work (3 sigmoids, 2 tanh and ~10 multiply-adds
  // per hidden unit and step, against 8·(input + hidden) for the products) is not counted.
  // Backward, the default 2× forward is exact for these products: dX and dW_ih, dh and dW_hh.
  double flops(const nlohmann::json& params) const override {
    const LstmParams p = parse_lstm_params(params);
    return 2.0 * product({p.seq, p.batch, p.gates()}) * double(p.input + p.hidden);
  }
  double bytes(const nlohmann::json& params) const override {
    const LstmParams p = parse_lstm_params(params);
    return 4.0 * (product({p.seq, p.batch, p.input}) + product({p.gates(), p.input + p.hidden}) +
                  2.0 * double(p.gates()) + product({p.seq, p.batch, p.hidden}));
  }

 private:
  void require_valid_inputs(const LstmParams& p, const std::vector<HostTensor>& in, bool backward) const {
    std::vector<int64_t> elements = {p.seq * p.batch * p.input, p.gates() * p.input, p.gates() * p.hidden,
                                     p.gates(), p.gates()};
    if (backward) elements.push_back(p.seq * p.batch * p.hidden);
    require_inputs(in, name(), elements);
  }
};

}  // namespace

LstmParams parse_lstm_params(const nlohmann::json& params) {
  const ParamReader rd("lstm", params, {"seq", "batch", "input", "hidden"});
  LstmParams p;
  p.seq = rd.size("seq");
  p.batch = rd.size("batch");
  p.input = rd.size("input");
  p.hidden = rd.size("hidden", 1, kMaxOpDim / 4);
  // The backward pass holds the inputs, dY, the gradients and what backpropagation keeps of the
  // forward pass (the four gates, c and h of every step).
  rd.limit_elements(2.0 * (product({p.seq, p.batch, p.input}) + product({p.gates(), p.input + p.hidden}) +
                           2.0 * double(p.gates())) +
                        7.0 * product({p.seq, p.batch, p.hidden}),
                    fmt::format("seq {} batch {} input {} hidden {}", p.seq, p.batch, p.input, p.hidden));
  return p;
}

const OpDef& lstm_op() {
  static const LstmOp op;
  return op;
}

}  // namespace versus
