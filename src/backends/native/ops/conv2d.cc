// conv2d (core/ops/conv2d.h) in the native backend: oneDNN convolution forward, backward data
// and backward weights, algorithm convolution_direct — the one PyTorch (ideep) and TensorFlow
// ask for. convolution_auto could pick Winograd, whose extra rounding the reference tolerates
// only partly (see core/ops/conv2d.cc), and which neither framework uses by default.
// Layouts:
//   nchw  every primitive is created with format "any", so oneDNN picks its fastest (blocked)
//         layouts; the reorders from the NCHW/OIHW contract and back are steps of run(), timed,
//         as a framework holding plain tensors pays them too (OnednnInstance).
//   nhwc  X, Y, dX and dY are handed to the primitives as they are, format tag nhwc: oneDNN
//         convolves channels-last natively, so activations are never reordered. The weights
//         (and dW) stay "any": from the contract's HWIO (format tag hwio) oneDNN reorders them
//         to its blocked layout, a timed step, exactly as the nchw case does from OIHW.
// Backward cases time forward + backward: one training step of the op, the same in every
// backend. run() executes the forward_training convolution (Y to scratch), then backward data
// and backward weights; an operand already reordered for one pass is reused by the next when
// the layouts agree.
//   openblas, eigen  unsupported in both layouts: neither library has a convolution (im2col +
//                    GEMM would be our algorithm, not the library's; the channels-last
//                    SpatialConvolution that TensorFlow runs on Eigen tensors is TensorFlow's
//                    own code, xla/tsl/framework/convolution, not part of Eigen).
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
  using desc = dnnl::memory::desc;
  using tag = dnnl::memory::format_tag;
  const dnnl::engine& eng = onednn().engine;
  const Conv2dParams p = parse_conv2d_params(c.params);
  // oneDNN's dims are always in NCHW/OIHW order; the format tag says how memory is laid out.
  const dims src{p.n, p.c, p.h, p.w}, wei{p.k, p.c, p.r, p.s}, dst{p.n, p.k, p.ho(), p.wo()};
  const dims strides{p.stride, p.stride}, pad{p.pad, p.pad};
  auto with_tag = [](const dims& d, tag t) { return desc(d, dnnl::memory::data_type::f32, t); };
  // The contract's layouts of X (and dX), W (and dW), Y (and dY).
  const desc x_user = p.nhwc() ? with_tag(src, tag::nhwc) : plain_desc(src);
  const desc w_user = p.nhwc() ? with_tag(wei, tag::hwio) : plain_desc(wei);
  const desc y_user = p.nhwc() ? with_tag(dst, tag::nhwc) : plain_desc(dst);
  // What the primitives are asked for: "any" lets oneDNN choose; nhwc activations are kept.
  const desc src_p = p.nhwc() ? x_user : with_tag(src, tag::any);
  const desc dst_p = p.nhwc() ? y_user : with_tag(dst, tag::any);
  const desc wei_p = with_tag(wei, tag::any);
  auto inst = std::make_unique<OnednnInstance>();
  const dnnl::memory x = inst->input(in[0], x_user), w = inst->input(in[1], w_user);

  const auto prop = is_backward(c) ? prop_kind::forward_training : prop_kind::forward_inference;
  const dnnl::convolution_forward::primitive_desc fwd(
      {prop, algorithm::convolution_direct, src_p, wei_p, dst_p, strides, pad, pad}, eng);
  if (!is_backward(c)) {
    const dnnl::memory xf = inst->in_layout(x, fwd.src_desc()), wf = inst->in_layout(w, fwd.weights_desc());
    const dnnl::memory y = inst->output(y_user, fwd.dst_desc());
    inst->step(dnnl::convolution_forward(fwd), {{DNNL_ARG_SRC, xf}, {DNNL_ARG_WEIGHTS, wf}, {DNNL_ARG_DST, y}});
    return inst;
  }

  const dnnl::memory dy = inst->input(in[2], y_user);
  const dnnl::convolution_backward_data::primitive_desc bwd_data(
      {algorithm::convolution_direct, src_p, wei_p, dst_p, strides, pad, pad}, eng, fwd);
  const dnnl::convolution_backward_weights::primitive_desc bwd_weights(
      {algorithm::convolution_direct, src_p, wei_p, dst_p, strides, pad, pad}, eng, fwd);
  // `plain` itself, or `done` when that already holds it in `want`, or a new reorder step.
  auto reuse = [&](const dnnl::memory& plain, const dnnl::memory& done, const dnnl::memory::desc& want) {
    return done.get_desc() == want ? done : inst->in_layout(plain, want);
  };

  // The forward pass: Y to scratch (dX and dW do not need it, but a training step computes it).
  const dnnl::memory xf = inst->in_layout(x, fwd.src_desc()), wf = inst->in_layout(w, fwd.weights_desc());
  const dnnl::memory y = OnednnInstance::scratch(fwd.dst_desc());
  inst->forward_step(dnnl::convolution_forward(fwd), {{DNNL_ARG_SRC, xf}, {DNNL_ARG_WEIGHTS, wf}, {DNNL_ARG_DST, y}});

  const dnnl::memory dy_d = inst->in_layout(dy, bwd_data.diff_dst_desc());
  if (!p.weight_grad_only) {  // else dW alone, as a network's first layer
    const dnnl::memory w_d = reuse(w, wf, bwd_data.weights_desc());
    const dnnl::memory dx = inst->output(x_user, bwd_data.diff_src_desc());
    inst->step(dnnl::convolution_backward_data(bwd_data),
               {{DNNL_ARG_DIFF_DST, dy_d}, {DNNL_ARG_WEIGHTS, w_d}, {DNNL_ARG_DIFF_SRC, dx}});
  }

  const dnnl::memory x_w = reuse(x, xf, bwd_weights.src_desc());
  // Both passes usually want dY in the same layout: reorder it once then.
  const dnnl::memory dy_w = bwd_weights.diff_dst_desc() == dy_d.get_desc()
                                ? dy_d
                                : inst->in_layout(dy, bwd_weights.diff_dst_desc());
  const dnnl::memory dw = inst->output(w_user, bwd_weights.diff_weights_desc());
  inst->step(dnnl::convolution_backward_weights(bwd_weights),
             {{DNNL_ARG_SRC, x_w}, {DNNL_ARG_DIFF_DST, dy_w}, {DNNL_ARG_DIFF_WEIGHTS, dw}});
  return inst;
}

std::unique_ptr<OpInstance> prepare_conv2d(const CaseSpec& c, const std::vector<HostTensor>& in,
                                           const NativeContext&) {
  if (c.variant == "onednn") return with_onednn(c, [&] { return prepare_onednn(c, in); });
  unsupported_variant(c, c.variant + " has no convolution (use the onednn variant)");
}
VERSUS_REGISTER_OP(NativeContext, "conv2d", prepare_conv2d, "onednn");

}  // namespace
}  // namespace versus
