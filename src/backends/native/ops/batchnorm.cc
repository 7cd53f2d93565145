// batch_norm in training mode (core/ops/batchnorm.h) in the native backend: oneDNN batch
// normalization on plain NCHW, eps 1e-5, gamma and beta as separate tensors (the 2.6 flags
// use_scale | use_shift, rather than the packed use_scale_shift).
// Forward: forward_training, which computes the batch statistics (mean, biased variance) and
// normalises with them, as the op defines; the statistics go to scratch memory.
// Backward: every run() executes forward_training (Y and the saved mean and variance, to
// scratch), then prop_kind::backward computes dX, dGamma and dBeta in one primitive. Backward
// cases time forward + backward: one training step of the op, the same in every backend.
//   openblas, eigen  unsupported: neither library has batch normalisation.
#include "backends/native/host_instance.h"
#include "backends/native/native_context.h"
#include "backends/native/onednn_instance.h"
#include "core/ops/batchnorm.h"
#include "worker/op_table.h"

namespace versus {
namespace {

std::unique_ptr<OpInstance> prepare_onednn(const CaseSpec& c, const std::vector<HostTensor>& in) {
  using dnnl::prop_kind;
  const dnnl::engine& eng = onednn().engine;
  const BatchNormParams p = parse_batch_norm_params(c.params);
  const dnnl::memory::desc md = plain_desc({p.n, p.c, p.h, p.w}), channel = plain_desc({p.c});
  const auto flags = dnnl::normalization_flags::use_scale | dnnl::normalization_flags::use_shift;
  const auto eps = static_cast<float>(kBatchNormEps);
  auto inst = std::make_unique<OnednnInstance>();
  const dnnl::memory x = inst->input(in[0], md), gamma = inst->input(in[1], channel),
                     beta = inst->input(in[2], channel);

  const dnnl::batch_normalization_forward::primitive_desc fwd({prop_kind::forward_training, md, eps, flags}, eng);
  const dnnl::memory mean = OnednnInstance::scratch(fwd.mean_desc());
  const dnnl::memory variance = OnednnInstance::scratch(fwd.variance_desc());
  OnednnArgs fwd_args = {{DNNL_ARG_SRC, x},         {DNNL_ARG_SCALE, gamma},       {DNNL_ARG_SHIFT, beta},
                         {DNNL_ARG_MEAN, mean},     {DNNL_ARG_VARIANCE, variance}};
  if (!is_backward(c)) {
    fwd_args[DNNL_ARG_DST] = inst->output(md);
    inst->step(dnnl::batch_normalization_forward(fwd), std::move(fwd_args));
    return inst;
  }
  fwd_args[DNNL_ARG_DST] = OnednnInstance::scratch(md);
  inst->forward_step(dnnl::batch_normalization_forward(fwd), std::move(fwd_args));

  const dnnl::batch_normalization_backward::primitive_desc bwd({prop_kind::backward, md, md, eps, flags}, eng, fwd);
  const dnnl::memory dy = inst->input(in[3], md);
  const dnnl::memory dx = inst->output(md), dgamma = inst->output(channel), dbeta = inst->output(channel);
  inst->step(dnnl::batch_normalization_backward(bwd),
             {{DNNL_ARG_SRC, x},
              {DNNL_ARG_MEAN, mean},
              {DNNL_ARG_VARIANCE, variance},
              {DNNL_ARG_DIFF_DST, dy},
              {DNNL_ARG_SCALE, gamma},
              // beta does not enter the gradients, but with use_shift oneDNN 2.6 requires it
              // as an argument of the backward primitive too (execution fails without it).
              {DNNL_ARG_SHIFT, beta},
              {DNNL_ARG_DIFF_SRC, dx},
              {DNNL_ARG_DIFF_SCALE, dgamma},
              {DNNL_ARG_DIFF_SHIFT, dbeta}});
  return inst;
}

std::unique_ptr<OpInstance> prepare_batch_norm(const CaseSpec& c, const std::vector<HostTensor>& in,
                                               const NativeContext&) {
  if (c.variant == "onednn") return with_onednn(c, [&] { return prepare_onednn(c, in); });
  unsupported_variant(c, c.variant + " has no batch normalisation (use the onednn variant)");
}
VERSUS_REGISTER_OP(NativeContext, "batch_norm", prepare_batch_norm, "onednn");

}  // namespace
}  // namespace versus
