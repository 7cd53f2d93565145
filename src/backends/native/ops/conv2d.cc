// conv2d (core/ops/conv2d.h) in the native backend: oneDNN convolution forward, backward data
// and backward weights, algorithm convolution_direct — the one PyTorch (ideep) and TensorFlow
// ask for. convolution_auto could pick Winograd, whose extra rounding the reference tolerates
// only partly (see core/ops/conv2d.cc), and which neither framework uses by default.
// Layouts: every primitive is created with format "any", so oneDNN picks its fastest (blocked)
// layouts; the reorders from the NCHW/OIHW contract and back are steps of run(), timed, as a
// framework holding plain tensors pays them too (OnednnInstance).
// Backward cases time forward + backward: one training step of the op, the same in every
// backend. run() executes the forward_training convolution (Y to scratch), then backward data
// and backward weights; an operand already reordered for one pass is reused by the next when
// the layouts agree.
//   openblas, eigen  unsupported: neither library has a convolution (im2col + GEMM would be our
//                    algorithm, not the library's).
#include "backends/native/host_instance.h"
#include "backends/native/native_context.h"
#include "backends/native/onednn_instance.h"
#include "core/ops/conv2d.h"
#include "worker/op_table.h"

namespace versus {
namespace {

std::unique_ptr<OpInstance> prepare_onednn(const CaseSpec& c, const std::vector<HostTensor>& in) {
  using dnnl::algorithm;
  using dnnl::prop_kind;
  using dims = dnnl::memory::dims;
  const dnnl::engine& eng = onednn().engine;
  const Conv2dParams p = parse_conv2d_params(c.params);
  const dims src{p.n, p.c, p.h, p.w}, wei{p.k, p.c, p.r, p.s}, dst{p.n, p.k, p.ho(), p.wo()};
  const dims strides{p.stride, p.stride}, pad{p.pad, p.pad};
  auto any = [](const dims& d) {
    return dnnl::memory::desc(d, dnnl::memory::data_type::f32, dnnl::memory::format_tag::any);
  };
  auto inst = std::make_unique<OnednnInstance>();
  const dnnl::memory x = inst->input(in[0], plain_desc(src)), w = inst->input(in[1], plain_desc(wei));

  const auto prop = is_backward(c) ? prop_kind::forward_training : prop_kind::forward_inference;
  const dnnl::convolution_forward::primitive_desc fwd(
      {prop, algorithm::convolution_direct, any(src), any(wei), any(dst), strides, pad, pad}, eng);
  if (!is_backward(c)) {
    const dnnl::memory xf = inst->in_layout(x, fwd.src_desc()), wf = inst->in_layout(w, fwd.weights_desc());
    const dnnl::memory y = inst->output(plain_desc(dst), fwd.dst_desc());
    inst->step(dnnl::convolution_forward(fwd), {{DNNL_ARG_SRC, xf}, {DNNL_ARG_WEIGHTS, wf}, {DNNL_ARG_DST, y}});
    return inst;
  }

  const dnnl::memory dy = inst->input(in[2], plain_desc(dst));
  const dnnl::convolution_backward_data::primitive_desc bwd_data(
      {algorithm::convolution_direct, any(src), any(wei), any(dst), strides, pad, pad}, eng, fwd);
  const dnnl::convolution_backward_weights::primitive_desc bwd_weights(
      {algorithm::convolution_direct, any(src), any(wei), any(dst), strides, pad, pad}, eng, fwd);
  // `plain` itself, or `done` when that already holds it in `want`, or a new reorder step.
  auto reuse = [&](const dnnl::memory& plain, const dnnl::memory& done, const dnnl::memory::desc& want) {
    return done.get_desc() == want ? done : inst->in_layout(plain, want);
  };

  // The forward pass: Y to scratch (dX and dW do not need it, but a training step computes it).
  const dnnl::memory xf = inst->in_layout(x, fwd.src_desc()), wf = inst->in_layout(w, fwd.weights_desc());
  const dnnl::memory y = OnednnInstance::scratch(fwd.dst_desc());
  inst->forward_step(dnnl::convolution_forward(fwd), {{DNNL_ARG_SRC, xf}, {DNNL_ARG_WEIGHTS, wf}, {DNNL_ARG_DST, y}});

  const dnnl::memory dy_d = inst->in_layout(dy, bwd_data.diff_dst_desc());
  const dnnl::memory w_d = reuse(w, wf, bwd_data.weights_desc());
  const dnnl::memory dx = inst->output(plain_desc(src), bwd_data.diff_src_desc());
  inst->step(dnnl::convolution_backward_data(bwd_data),
             {{DNNL_ARG_DIFF_DST, dy_d}, {DNNL_ARG_WEIGHTS, w_d}, {DNNL_ARG_DIFF_SRC, dx}});

  const dnnl::memory x_w = reuse(x, xf, bwd_weights.src_desc());
  // Both passes usually want dY in the same layout: reorder it once then.
  const dnnl::memory dy_w = bwd_weights.diff_dst_desc() == dy_d.get_desc()
                                ? dy_d
                                : inst->in_layout(dy, bwd_weights.diff_dst_desc());
  const dnnl::memory dw = inst->output(plain_desc(wei), bwd_weights.diff_weights_desc());
  inst->step(dnnl::convolution_backward_weights(bwd_weights),
             {{DNNL_ARG_SRC, x_w}, {DNNL_ARG_DIFF_DST, dy_w}, {DNNL_ARG_DIFF_WEIGHTS, dw}});
  return inst;
}

std::unique_ptr<OpInstance> prepare_conv2d(const CaseSpec& c, const std::vector<HostTensor>& in,
                                           const NativeContext&) {
  if (c.variant == "onednn") return with_onednn(c, [&] { return prepare_onednn(c, in); });
  unsupported_variant(c, c.variant + " has no convolution (use the onednn variant)");
}
VERSUS_REGISTER_OP(NativeContext, "conv2d", prepare_conv2d);

}  // namespace
}  // namespace versus
