// batch_norm in training mode (core/ops/batchnorm.h) in the native backend: oneDNN batch
// normalization on plain NCHW, eps 1e-5, gamma and beta as separate tensors (the 2.6 flags
// use_scale | use_shift, rather than the packed use_scale_shift).
// Forward: forward_training, which computes the batch statistics (mean, biased variance) and
// normalises with them, as the op defines; backward: forward_training, then prop_kind::backward
// (ops/onednn_normalization.h, shared with layer_norm).
//   openblas, eigen  unsupported: neither library has batch normalisation.
#include "backends/native/host_instance.h"
#include "backends/native/native_context.h"
#include "backends/native/onednn_instance.h"
#include "backends/native/ops/onednn_normalization.h"
#include "core/ops/batchnorm.h"
#include "worker/op_table.h"

namespace versus {
namespace {

std::unique_ptr<OpInstance> prepare_onednn(const CaseSpec& c, const std::vector<HostTensor>& in) {
  const BatchNormParams p = parse_batch_norm_params(c.params);
  return onednn_normalization<dnnl::batch_normalization_forward, dnnl::batch_normalization_backward>(
      c, in, plain_desc({p.n, p.c, p.h, p.w}), plain_desc({p.c}), static_cast<float>(kBatchNormEps));
}

std::unique_ptr<OpInstance> prepare_batch_norm(const CaseSpec& c, const std::vector<HostTensor>& in,
                                               const NativeContext&) {
  if (c.variant == "onednn") return with_onednn(c, [&] { return prepare_onednn(c, in); });
  unsupported_variant(c, c.variant + " has no batch normalisation (use the onednn variant)");
}
VERSUS_REGISTER_OP(NativeContext, "batch_norm", prepare_batch_norm, "onednn");

}  // namespace
}  // namespace versus
