// One training step of a oneDNN normalisation primitive with a scale and a shift (gamma, beta):
// batch normalisation and layer normalisation take the same arguments, only the primitive
// differs. Forward: forward_training (the statistics to scratch). Backward: every run()
// executes forward_training, then prop_kind::backward computes dX, dGamma and dBeta in one
// primitive — a training step of the op, the same in every backend.
#pragma once
#include "backends/native/host_instance.h"
#include "backends/native/onednn_instance.h"

namespace versus {

// `in`: X (shape `md`), gamma and beta (shape `param`), and dY in the backward case.
template <class Forward, class Backward>
std::unique_ptr<OpInstance> onednn_normalization(const CaseSpec& c, const std::vector<HostTensor>& in,
                                                 const dnnl::memory::desc& md, const dnnl::memory::desc& param,
                                                 float eps) {
  using dnnl::prop_kind;
  const dnnl::engine& eng = onednn().engine;
  const auto flags = dnnl::normalization_flags::use_scale | dnnl::normalization_flags::use_shift;
  auto inst = std::make_unique<OnednnInstance>();
  const dnnl::memory x = inst->input(in[0], md), gamma = inst->input(in[1], param), beta = inst->input(in[2], param);
  const typename Forward::primitive_desc fwd({prop_kind::forward_training, md, eps, flags}, eng);
  const dnnl::memory mean = OnednnInstance::scratch(fwd.mean_desc());
  const dnnl::memory variance = OnednnInstance::scratch(fwd.variance_desc());
  OnednnArgs fwd_args = {{DNNL_ARG_SRC, x},     {DNNL_ARG_SCALE, gamma},       {DNNL_ARG_SHIFT, beta},
                         {DNNL_ARG_MEAN, mean}, {DNNL_ARG_VARIANCE, variance}};
  if (!is_backward(c)) {
    fwd_args[DNNL_ARG_DST] = inst->output(md);
    inst->step(Forward(fwd), std::move(fwd_args));
    return inst;
  }
  fwd_args[DNNL_ARG_DST] = OnednnInstance::scratch(md);
  inst->forward_step(Forward(fwd), std::move(fwd_args));

  const typename Backward::primitive_desc bwd({prop_kind::backward, md, md, eps, flags}, eng, fwd);
  const dnnl::memory dy = inst->input(in[3], md);
  const dnnl::memory dx = inst->output(md), dgamma = inst->output(param), dbeta = inst->output(param);
  inst->step(Backward(bwd), {{DNNL_ARG_SRC, x},
                             {DNNL_ARG_MEAN, mean},
                             {DNNL_ARG_VARIANCE, variance},
                             {DNNL_ARG_DIFF_DST, dy},
                             {DNNL_ARG_SCALE, gamma},
                             // beta does not enter the gradients, but with use_shift oneDNN 2.6
                             // requires it as an argument of the backward primitive too.
                             {DNNL_ARG_SHIFT, beta},
                             {DNNL_ARG_DIFF_SRC, dx},
                             {DNNL_ARG_DIFF_SCALE, dgamma},
                             {DNNL_ARG_DIFF_SHIFT, dbeta}});
  return inst;
}

}  // namespace versus
