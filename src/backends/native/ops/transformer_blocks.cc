// The transformer's element-wise and normalisation ops in the native backend, through oneDNN:
// gelu (core/ops/gelu.h) as the eltwise primitive's gelu_erf / gelu_tanh, forward and backward
// (dX from X), and layer_norm (core/ops/layer_norm.h) as the layer normalization primitive over
// the last axis with use_scale | use_shift, eps 1e-5, its mean and variance to scratch.
// Backward cases time forward + backward: one training step of the op, as in every backend.
//   impl composed  unsupported: the native backend runs a library's kernel; composing elementary
//                  ops is what the framework backends measure.
//   openblas, eigen  unsupported: neither library has these kernels.
#include "backends/native/host_instance.h"
#include "backends/native/native_context.h"
#include "backends/native/onednn_instance.h"
#include "backends/native/ops/onednn_normalization.h"
#include "core/ops/gelu.h"
#include "core/ops/layer_norm.h"
#include "worker/op_table.h"

namespace versus {
namespace {

constexpr const char* kComposedWhy =
    "the native backend runs oneDNN's kernel; impl=composed (elementary ops) is measured in the framework backends";

std::unique_ptr<OpInstance> gelu_onednn(const CaseSpec& c, const std::vector<HostTensor>& in) {
  using dnnl::prop_kind;
  const GeluParams p = parse_gelu_params(c.params);
  if (p.composed) throw UnsupportedCase(kComposedWhy);
  const dnnl::engine& eng = onednn().engine;
  const dnnl::algorithm alg = p.tanh ? dnnl::algorithm::eltwise_gelu_tanh : dnnl::algorithm::eltwise_gelu_erf;
  const dnnl::memory::desc md = plain_desc({p.n});
  auto inst = std::make_unique<OnednnInstance>();
  const dnnl::memory x = inst->input(in[0], md);
  if (!is_backward(c)) {
    const dnnl::eltwise_forward::primitive_desc pd({prop_kind::forward_inference, alg, md, 0.0f, 0.0f}, eng);
    inst->step(dnnl::eltwise_forward(pd), {{DNNL_ARG_SRC, x}, {DNNL_ARG_DST, inst->output(md)}});
    return inst;
  }
  const dnnl::eltwise_forward::primitive_desc fwd({prop_kind::forward_training, alg, md, 0.0f, 0.0f}, eng);
  inst->forward_step(dnnl::eltwise_forward(fwd), {{DNNL_ARG_SRC, x}, {DNNL_ARG_DST, OnednnInstance::scratch(md)}});
  const dnnl::memory dy = inst->input(in[1], md), dx = inst->output(md);
  const dnnl::eltwise_backward::primitive_desc pd({alg, md, md, 0.0f, 0.0f}, eng, fwd);
  inst->step(dnnl::eltwise_backward(pd), {{DNNL_ARG_SRC, x}, {DNNL_ARG_DIFF_DST, dy}, {DNNL_ARG_DIFF_SRC, dx}});
  return inst;
}

std::unique_ptr<OpInstance> layer_norm_onednn(const CaseSpec& c, const std::vector<HostTensor>& in) {
  const LayerNormParams p = parse_layer_norm_params(c.params);
  if (p.composed) throw UnsupportedCase(kComposedWhy);
  return onednn_normalization<dnnl::layer_normalization_forward, dnnl::layer_normalization_backward>(
      c, in, plain_desc({p.rows, p.cols}), plain_desc({p.cols}), static_cast<float>(kLayerNormEps));
}

std::unique_ptr<OpInstance> prepare_gelu(const CaseSpec& c, const std::vector<HostTensor>& in, const NativeContext&) {
  if (c.variant == "onednn") return with_onednn(c, [&] { return gelu_onednn(c, in); });
  unsupported_variant(c, c.variant + " has no GELU kernel (use the onednn variant)");
}
std::unique_ptr<OpInstance> prepare_layer_norm(const CaseSpec& c, const std::vector<HostTensor>& in,
                                               const NativeContext&) {
  if (c.variant == "onednn") return with_onednn(c, [&] { return layer_norm_onednn(c, in); });
  unsupported_variant(c, c.variant + " has no layer normalisation (use the onednn variant)");
}
VERSUS_REGISTER_OP(NativeContext, "gelu", prepare_gelu, "onednn");
VERSUS_REGISTER_OP(NativeContext, "layer_norm", prepare_layer_norm, "onednn");

}  // namespace
}  // namespace versus
