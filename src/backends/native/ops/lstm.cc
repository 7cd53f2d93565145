// lstm (core/ops/lstm.h) in the native backend. onednn: fused, oneDNN's LSTM primitive; openblas
// and eigen: unrolled by hand over the library's GEMM, the way framework CPU kernels without a
// fused RNN primitive compute it:
//   forward   the input projection of every step in one GEMM, X [seq·batch, input]·W_ihᵀ; then
//             per step gates += h_{t-1}·W_hhᵀ (one GEMM) and the gates in plain float32 loops
//             (both biases added there), keeping the activated gates and c for backward.
//   backward  per step, dh = dY_t + dA_{t+1}·W_hh (one GEMM) and the gate derivatives in plain
//             loops into dA [seq, batch, 4·hidden]; then three GEMMs over all steps at once:
//             dX = dA·W_ih, dW_ih = dAᵀ·X, dW_hh = dA[1:]ᵀ·Y[:-1], and db_ih = db_hh = Σ dA.
// Backward cases time forward + backward, one training step of the op as in every backend.
//   openblas  cblas_sgemm; the loops are single-threaded, the GEMMs use OpenBLAS's threads.
//   eigen     the same algorithm with Eigen matrix products.
//   onednn    lstm_forward (forward_inference, or forward_training with its workspace before
//             the backward) and lstm_backward, vanilla_lstm (gates i, f, c̃, o: the neutral
//             order), unidirectional left to right, zero initial states (explicit zeros). The
//             contract's W_ih [4H, input] and W_hh [4H, H] are oneDNN's ldgoi layout; the
//             primitives take weights in the layout they choose ("any"), reached by reorders
//             that are timed steps, as in the other oneDNN ops here (plain weights in, every run).
//             oneDNN has one bias: b_ih + b_hh is a binary add step, and its gradient is both
//             db_ih and db_hh. The backward accumulates into its weight gradients (checked: a
//             second run doubled them), so every run first zeroes them (a reorder from zeros,
//             timed: a framework zeroes or overwrites its gradient buffers too).
#include <cblas.h>

#include <algorithm>
#include <cmath>

#include <Eigen/Core>

#include "backends/native/host_instance.h"
#include "backends/native/native_context.h"
#include "backends/native/onednn_instance.h"
#include "core/ops/lstm.h"
#include "worker/op_table.h"

namespace versus {
namespace {

using RowMajor = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using Strided = Eigen::OuterStride<>;

// C [m, n] = op(A)·op(B) + beta·C, row-major with leading dimensions, beta 0 or 1.
struct Gemm {
  bool eigen = false;

  void operator()(bool ta, bool tb, int64_t m, int64_t n, int64_t k, const float* a, int64_t lda, const float* b,
                  int64_t ldb, float beta, float* c, int64_t ldc) const {
    if (!eigen) {
      cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, int(m), int(n),
                  int(k), 1.0f, a, int(lda), b, int(ldb), beta, c, int(ldc));
      return;
    }
    const Eigen::Map<const RowMajor, 0, Strided> A(a, ta ? k : m, ta ? m : k, Strided(lda));
    const Eigen::Map<const RowMajor, 0, Strided> B(b, tb ? n : k, tb ? k : n, Strided(ldb));
    Eigen::Map<RowMajor, 0, Strided> C(c, m, n, Strided(ldc));
    if (beta == 0.0f) C.setZero();
    if (!ta && !tb) C.noalias() += A * B;
    else if (!ta) C.noalias() += A * B.transpose();
    else if (!tb) C.noalias() += A.transpose() * B;
    else C.noalias() += A.transpose() * B.transpose();
  }
};

inline float sigmoid(float a) { return 1.0f / (1.0f + std::exp(-a)); }

std::unique_ptr<OpInstance> prepare_onednn(const CaseSpec& c, const std::vector<HostTensor>& in) {
  using dims = dnnl::memory::dims;
  using desc = dnnl::memory::desc;
  using tag = dnnl::memory::format_tag;
  const dnnl::engine& eng = onednn().engine;
  const LstmParams p = parse_lstm_params(c.params);
  const auto f32 = dnnl::memory::data_type::f32;
  const desc x_md({p.seq, p.batch, p.input}, f32, tag::tnc), y_md({p.seq, p.batch, p.hidden}, f32, tag::tnc);
  const dims wl{1, 1, p.input, 4, p.hidden}, wi{1, 1, p.hidden, 4, p.hidden};
  const desc wl_user(wl, f32, tag::ldgoi), wi_user(wi, f32, tag::ldgoi);
  const desc wl_any(wl, f32, tag::any), wi_any(wi, f32, tag::any);
  const desc bias_md = plain_desc({1, 1, 4, p.hidden});  // ldgo
  const desc state_md = plain_desc({1, 1, p.batch, p.hidden});  // ldnc
  const desc none;  // zero descriptor: final states are not produced
  auto inst = std::make_unique<OnednnInstance>();
  const dnnl::memory x = inst->input(in[0], x_md), w_ih = inst->input(in[1], wl_user),
                     w_hh = inst->input(in[2], wi_user), b_ih = inst->input(in[3], bias_md),
                     b_hh = inst->input(in[4], bias_md);
  const dnnl::memory bias = OnednnInstance::scratch(bias_md);
  const dnnl::binary::primitive_desc add({dnnl::algorithm::binary_add, bias_md, bias_md, bias_md}, eng);
  inst->step(dnnl::binary(add), {{DNNL_ARG_SRC_0, b_ih}, {DNNL_ARG_SRC_1, b_hh}, {DNNL_ARG_DST, bias}});

  const bool backward = is_backward(c);
  const auto prop = backward ? dnnl::prop_kind::forward_training : dnnl::prop_kind::forward_inference;
  // h0 = c0 = 0 as explicit zero states: with zero descriptors instead, oneDNN 2.6's backward
  // computed dW_hh from h_t rather than h_{t-1} (checked: seq 1 gave dW_hh = dA·h_1, not 0).
  auto zero = [](const char* name, std::vector<int64_t> shape) {
    HostTensor t{name, std::move(shape), {}};
    t.data.resize(size_t(t.elements()), 0.0f);
    return t;
  };
  // Kept alive until prepare ends: OnednnInstance::input tells tensors apart by address.
  const std::vector<HostTensor> zeros = {
      zero("h0", {1, 1, p.batch, p.hidden}), zero("c0", {1, 1, p.batch, p.hidden}),
      zero("zero_dW_ih", {p.gates(), p.input}), zero("zero_dW_hh", {p.gates(), p.hidden}),
      zero("zero_db", {p.gates()})};
  const dnnl::memory h0 = inst->input(zeros[0], state_md), c0 = inst->input(zeros[1], state_md);
  const dnnl::lstm_forward::primitive_desc fwd(
      {prop, dnnl::rnn_direction::unidirectional_left2right, x_md, state_md, state_md, wl_any, wi_any,
       bias_md, y_md, none, none},
      eng);
  const dnnl::memory y = backward ? OnednnInstance::scratch(y_md) : inst->output(y_md);
  const dnnl::memory w_ih_f = inst->in_layout(w_ih, fwd.weights_layer_desc()),
                     w_hh_f = inst->in_layout(w_hh, fwd.weights_iter_desc());
  OnednnArgs fwd_args = {{DNNL_ARG_SRC_LAYER, x},
                         {DNNL_ARG_SRC_ITER, h0},
                         {DNNL_ARG_SRC_ITER_C, c0},
                         {DNNL_ARG_WEIGHTS_LAYER, w_ih_f},
                         {DNNL_ARG_WEIGHTS_ITER, w_hh_f},
                         {DNNL_ARG_BIAS, bias},
                         {DNNL_ARG_DST_LAYER, y}};
  if (!backward) {
    inst->step(dnnl::lstm_forward(fwd), fwd_args);
    return inst;
  }
  const dnnl::memory workspace = OnednnInstance::scratch(fwd.workspace_desc());
  fwd_args[DNNL_ARG_WORKSPACE] = workspace;
  inst->forward_step(dnnl::lstm_forward(fwd), fwd_args);

  const dnnl::lstm_backward::primitive_desc bwd(
      {dnnl::prop_kind::backward, dnnl::rnn_direction::unidirectional_left2right, x_md, state_md, state_md, wl_any,
       wi_any, bias_md, y_md, none, none, x_md, state_md, state_md, wl_any, wi_any, bias_md, y_md, none, none},
      eng, fwd);
  const dnnl::memory dy = inst->input(in[5], y_md);
  const dnnl::memory dx = inst->output(x_md);
  const dnnl::memory dw_ih = inst->output(wl_user, bwd.diff_weights_layer_desc());
  const dnnl::memory dw_hh = inst->output(wi_user, bwd.diff_weights_iter_desc());
  const dnnl::memory db_ih = inst->output(bias_md), db_hh = inst->output(bias_md);
  // Zeros in the contract layouts, reordered into the accumulated gradients before each backward.
  const std::pair<dnnl::memory, dnnl::memory> zeroed[] = {{inst->input(zeros[2], wl_user), dw_ih},
                                                          {inst->input(zeros[3], wi_user), dw_hh},
                                                          {inst->input(zeros[4], bias_md), db_ih}};
  for (const auto& [from, to] : zeroed)
    inst->step(dnnl::reorder(from, to), {{DNNL_ARG_FROM, from}, {DNNL_ARG_TO, to}});
  // The forward's reordered weights serve the backward too where both chose the same layout.
  auto reuse = [&](const dnnl::memory& user, const dnnl::memory& forward, const desc& want) {
    return forward.get_desc() == want ? forward : inst->in_layout(user, want);
  };
  inst->step(dnnl::lstm_backward(bwd), {{DNNL_ARG_SRC_LAYER, x},
                                        {DNNL_ARG_SRC_ITER, h0},
                                        {DNNL_ARG_SRC_ITER_C, c0},
                                        {DNNL_ARG_DIFF_SRC_ITER, OnednnInstance::scratch(state_md)},
                                        {DNNL_ARG_DIFF_SRC_ITER_C, OnednnInstance::scratch(state_md)},
                                        {DNNL_ARG_WEIGHTS_LAYER, reuse(w_ih, w_ih_f, bwd.weights_layer_desc())},
                                        {DNNL_ARG_WEIGHTS_ITER, reuse(w_hh, w_hh_f, bwd.weights_iter_desc())},
                                        {DNNL_ARG_BIAS, bias},
                                        {DNNL_ARG_DST_LAYER, y},
                                        {DNNL_ARG_DIFF_DST_LAYER, dy},
                                        {DNNL_ARG_WORKSPACE, workspace},
                                        {DNNL_ARG_DIFF_SRC_LAYER, dx},
                                        {DNNL_ARG_DIFF_WEIGHTS_LAYER, dw_ih},
                                        {DNNL_ARG_DIFF_WEIGHTS_ITER, dw_hh},
                                        {DNNL_ARG_DIFF_BIAS, db_ih}});
  inst->step(dnnl::reorder(db_ih, db_hh), {{DNNL_ARG_FROM, db_ih}, {DNNL_ARG_TO, db_hh}});
  return inst;
}

std::unique_ptr<OpInstance> prepare_lstm(const CaseSpec& c, const std::vector<HostTensor>& in,
                                         const NativeContext&) {
  if (c.variant == "onednn") return with_onednn(c, [&] { return prepare_onednn(c, in); });
  const LstmParams p = parse_lstm_params(c.params);
  const Gemm gemm{c.variant == "eigen"};
  const int64_t S = p.seq, B = p.batch, I = p.input, H = p.hidden, G = p.gates();
  auto inst = std::make_unique<HostInstance>();
  const float *x = inst->input(in[0]).data(), *w_ih = inst->input(in[1]).data(), *w_hh = inst->input(in[2]).data(),
              *b_ih = inst->input(in[3]).data(), *b_hh = inst->input(in[4]).data();
  float* bias = inst->scratch(size_t(G)).data();
  float* gates = inst->scratch(size_t(S * B * G)).data();  // pre-activations, then activated i, f, g, o
  float* cell = inst->scratch(size_t(S * B * H)).data();
  const bool backward = is_backward(c);
  float* y = (backward ? inst->scratch(size_t(S * B * H)) : inst->output(size_t(S * B * H))).data();

  auto forward = [=] {
    for (int64_t k = 0; k < G; ++k) bias[k] = b_ih[k] + b_hh[k];
    gemm(false, true, S * B, G, I, x, I, w_ih, I, 0.0f, gates, G);
    for (int64_t t = 0; t < S; ++t) {
      float* gt = gates + t * B * G;
      if (t > 0) gemm(false, true, B, G, H, y + (t - 1) * B * H, H, w_hh, H, 1.0f, gt, G);
      for (int64_t b = 0; b < B; ++b) {
        float* a = gt + b * G;
        float* ct = cell + (t * B + b) * H;
        float* ht = y + (t * B + b) * H;
        for (int64_t u = 0; u < H; ++u) {
          const float i = sigmoid(a[u] + bias[u]), f = sigmoid(a[H + u] + bias[H + u]);
          const float g = std::tanh(a[2 * H + u] + bias[2 * H + u]), o = sigmoid(a[3 * H + u] + bias[3 * H + u]);
          a[u] = i, a[H + u] = f, a[2 * H + u] = g, a[3 * H + u] = o;
          ct[u] = (t > 0 ? f * ct[u - B * H] : 0.0f) + i * g;
          ht[u] = o * std::tanh(ct[u]);
        }
      }
    }
  };
  if (!backward) {
    inst->set_body(forward);
    return inst;
  }
  inst->set_forward(forward);
  const float* dy = inst->input(in[5]).data();
  float* da = inst->scratch(size_t(S * B * G)).data();
  float* dh = inst->scratch(size_t(B * H)).data();
  float* dc = inst->scratch(size_t(B * H)).data();
  float* dx = inst->output(size_t(S * B * I)).data();
  float* dw_ih = inst->output(size_t(G * I)).data();
  float* dw_hh = inst->output(size_t(G * H)).data();
  float* db_ih = inst->output(size_t(G)).data();
  float* db_hh = inst->output(size_t(G)).data();
  inst->set_body([=] {
    for (int64_t t = S - 1; t >= 0; --t) {
      const float* dyt = dy + t * B * H;
      if (t < S - 1) gemm(false, false, B, H, G, da + (t + 1) * B * G, G, w_hh, H, 0.0f, dh, H);
      for (int64_t b = 0; b < B; ++b) {
        const float* act = gates + (t * B + b) * G;
        const float* ct = cell + (t * B + b) * H;
        float* d = da + (t * B + b) * G;
        for (int64_t u = 0; u < H; ++u) {
          const float i = act[u], f = act[H + u], g = act[2 * H + u], o = act[3 * H + u];
          const float tc = std::tanh(ct[u]);
          const float dht = dyt[b * H + u] + (t < S - 1 ? dh[b * H + u] : 0.0f);
          const float dct = (t < S - 1 ? dc[b * H + u] : 0.0f) + dht * o * (1.0f - tc * tc);
          d[u] = dct * g * i * (1.0f - i);
          d[H + u] = t > 0 ? dct * ct[u - B * H] * f * (1.0f - f) : 0.0f;
          d[2 * H + u] = dct * i * (1.0f - g * g);
          d[3 * H + u] = dht * tc * o * (1.0f - o);
          dc[b * H + u] = dct * f;
        }
      }
    }
    gemm(false, false, S * B, I, G, da, G, w_ih, I, 0.0f, dx, I);
    gemm(true, false, G, I, S * B, da, G, x, I, 0.0f, dw_ih, I);
    if (S > 1) gemm(true, false, G, H, (S - 1) * B, da + B * G, G, y, H, 0.0f, dw_hh, H);
    else std::fill(dw_hh, dw_hh + G * H, 0.0f);
    for (int64_t k = 0; k < G; ++k) db_ih[k] = 0.0f;
    for (int64_t r = 0; r < S * B; ++r)
      for (int64_t k = 0; k < G; ++k) db_ih[k] += da[r * G + k];
    std::copy(db_ih, db_ih + G, db_hh);
  });
  return inst;
}
VERSUS_REGISTER_OP(NativeContext, "lstm", prepare_lstm);

}  // namespace
}  // namespace versus
