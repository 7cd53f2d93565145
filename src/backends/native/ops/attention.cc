// attention (core/ops/attention.h) in the native backend through oneDNN 2.6, which has no fused
// attention: matmul Q·Kᵀ (Kᵀ a strided view, 1/√d as the matmul's output scale), the mask added by
// a binary primitive (a [1, 1, seq, seq] constant for causal, the key mask as (key_mask - 1)·1e9
// [batch, 1, 1, seq] for padding, both broadcast), softmax over the last axis, matmul P·V.
// Backward (every run() repeats the forward first, a training step as in every backend):
// dV = Pᵀ·dO, dP = dO·Vᵀ, dS by the softmax backward primitive, dQ = dS·K/√d, dK = dSᵀ·Q/√d,
// transposes as strided views.
//   impl composed  unsupported: this is oneDNN's composition already (there is no fused kernel
//                  to compare it with); the framework backends measure both forms.
//   openblas, eigen  unsupported: use the onednn variant.
#include <cmath>

#include "backends/native/host_instance.h"
#include "backends/native/native_context.h"
#include "backends/native/onednn_instance.h"
#include "core/ops/attention.h"
#include "worker/op_table.h"

namespace versus {
namespace {

using dnnl::memory;

// [batch, heads, rows, cols] row-major, or (transposed) its last two axes swapped as a view.
memory::desc desc4(const AttentionParams& a, int64_t rows, int64_t cols, bool transposed = false) {
  if (!transposed) return plain_desc({a.batch, a.heads, rows, cols});
  return memory::desc({a.batch, a.heads, cols, rows}, memory::data_type::f32, {a.heads * rows * cols, rows * cols, 1, cols});
}

dnnl::matmul matmul(const memory::desc& src, const memory::desc& weights, const memory::desc& dst, float scale = 1) {
  dnnl::primitive_attr attr;
  if (scale != 1) attr.set_output_scales(0, {scale});
  return dnnl::matmul(dnnl::matmul::primitive_desc(dnnl::matmul::desc(src, weights, dst), attr, onednn().engine));
}

memory view(const memory& m, const memory::desc& md) { return memory(md, onednn().engine, m.get_data_handle()); }

std::unique_ptr<OpInstance> attention_onednn(const CaseSpec& c, const std::vector<HostTensor>& in) {
  using dnnl::prop_kind;
  const AttentionParams a = parse_attention_params(c.params);
  if (a.composed) throw UnsupportedCase("oneDNN has no fused attention: the native form is already matmul, softmax, matmul");
  const dnnl::engine& eng = onednn().engine;
  const auto scale = static_cast<float>(1 / std::sqrt(static_cast<double>(a.head_dim)));
  const int64_t s = a.seq, d = a.head_dim;
  const memory::desc md = desc4(a, s, d), scores_md = desc4(a, s, s);
  auto inst = std::make_unique<OnednnInstance>();
  const memory q = inst->input(in[0], md), k = inst->input(in[1], md), v = inst->input(in[2], md);
  const bool backward = is_backward(c);
  auto forward = [&](dnnl::primitive p, OnednnArgs args) {
    backward ? inst->forward_step(std::move(p), std::move(args)) : inst->step(std::move(p), std::move(args));
  };
  const memory scores = OnednnInstance::scratch(scores_md);
  HostTensor adder;  // the mask's constant; input() copies it, and it outlives every input() call
  forward(matmul(md, desc4(a, s, d, true), scores_md, scale),
          {{DNNL_ARG_SRC, q}, {DNNL_ARG_WEIGHTS, inst->input(in[1], desc4(a, s, d, true))}, {DNNL_ARG_DST, scores}});
  if (a.mask != AttentionMask::kNone) {
    if (a.mask == AttentionMask::kCausal) {
      adder = {"causal", {1, 1, s, s}, std::vector<float>(static_cast<size_t>(s * s))};
      for (int64_t i = 0; i < s; ++i)
        for (int64_t j = i + 1; j < s; ++j) adder.data[i * s + j] = -1e9f;
    } else {
      adder = {"padding", {a.batch, 1, 1, s}, in[3].data};
      for (float& x : adder.data) x = (x - 1) * 1e9f;
    }
    const memory::desc adder_md = plain_desc(adder.shape);
    const dnnl::binary add(dnnl::binary::primitive_desc({dnnl::algorithm::binary_add, scores_md, adder_md, scores_md}, eng));
    forward(add, {{DNNL_ARG_SRC_0, scores}, {DNNL_ARG_SRC_1, inst->input(adder, adder_md)}, {DNNL_ARG_DST, scores}});
  }
  const dnnl::softmax_forward::primitive_desc softmax_pd({prop_kind::forward_training, scores_md, 3}, eng);
  const memory p = OnednnInstance::scratch(scores_md);
  forward(dnnl::softmax_forward(softmax_pd), {{DNNL_ARG_SRC, scores}, {DNNL_ARG_DST, p}});
  if (!backward) {
    inst->step(matmul(scores_md, md, md), {{DNNL_ARG_SRC, p}, {DNNL_ARG_WEIGHTS, v}, {DNNL_ARG_DST, inst->output(md)}});
    return inst;
  }
  forward(matmul(scores_md, md, md), {{DNNL_ARG_SRC, p}, {DNNL_ARG_WEIGHTS, v}, {DNNL_ARG_DST, OnednnInstance::scratch(md)}});
  const memory dout = inst->input(in.back(), md);
  const memory dq = inst->output(md), dk = inst->output(md), dv = inst->output(md);
  const memory dp = OnednnInstance::scratch(scores_md), ds = OnednnInstance::scratch(scores_md);
  inst->step(matmul(desc4(a, s, s, true), md, md), {{DNNL_ARG_SRC, view(p, desc4(a, s, s, true))}, {DNNL_ARG_WEIGHTS, dout}, {DNNL_ARG_DST, dv}});
  inst->step(matmul(md, desc4(a, s, d, true), scores_md),
             {{DNNL_ARG_SRC, dout}, {DNNL_ARG_WEIGHTS, inst->input(in[2], desc4(a, s, d, true))}, {DNNL_ARG_DST, dp}});
  const dnnl::softmax_backward::primitive_desc softmax_bwd({scores_md, scores_md, 3}, eng, softmax_pd);
  inst->step(dnnl::softmax_backward(softmax_bwd), {{DNNL_ARG_DST, p}, {DNNL_ARG_DIFF_DST, dp}, {DNNL_ARG_DIFF_SRC, ds}});
  inst->step(matmul(scores_md, md, md, scale), {{DNNL_ARG_SRC, ds}, {DNNL_ARG_WEIGHTS, k}, {DNNL_ARG_DST, dq}});
  inst->step(matmul(desc4(a, s, s, true), md, md, scale),
             {{DNNL_ARG_SRC, view(ds, desc4(a, s, s, true))}, {DNNL_ARG_WEIGHTS, q}, {DNNL_ARG_DST, dk}});
  return inst;
}

std::unique_ptr<OpInstance> prepare_attention(const CaseSpec& c, const std::vector<HostTensor>& in, const NativeContext&) {
  if (c.variant == "onednn") return with_onednn(c, [&] { return attention_onednn(c, in); });
  unsupported_variant(c, c.variant + " has no attention (use the onednn variant)");
}
VERSUS_REGISTER_OP(NativeContext, "attention", prepare_attention, "onednn");

}  // namespace
}  // namespace versus
