// batch_norm in MXNet: the BatchNorm operator as gluon.nn.BatchNorm(scale=True, center=True)
// calls it: fix_gamma=False (Gluon's default for scale=True; the operator's own default True
// would ignore gamma), use_global_stats=False, eps 1e-5, axis 1 (NCHW), with running mean and
// variance arrays (zeros and ones, Gluon's initialisers) that training mode updates in place.
// Batch statistics need autograd's training flag, so the forward direction runs under
// train_mode() too; the running statistics only feed inference and are not compared.
// Backward (dX, dGamma, dBeta) through autograd.
#include <fmt/format.h>

#include "backends/mxnet/mx_program.h"
#include "core/ops/batchnorm.h"
#include "worker/op_table.h"

namespace versus::mx {
namespace {

std::unique_ptr<OpInstance> prepare_batch_norm(const CaseSpec& c, const std::vector<HostTensor>& in,
                                               const MxContext&) {
  const BatchNormParams q = parse_batch_norm_params(c.params);
  return make_instance(c, in,
                       {.forward =
                            [q](Program& p, const std::vector<Program::Value>& x) {
                              const Program::Value running_mean = p.constant({q.c}, 0.0f);
                              const Program::Value running_var = p.constant({q.c}, 1.0f);
                              return p.call("BatchNorm", {x[0], x[1], x[2], running_mean, running_var},
                                            {{"eps", fmt::format("{}", kBatchNormEps)},
                                             {"momentum", "0.9"},
                                             {"fix_gamma", "False"},
                                             {"use_global_stats", "False"},
                                             {"output_mean_var", "False"},
                                             {"axis", "1"}});
                            },
                        .grads_of = {0, 1, 2},
                        .training = true});
}
VERSUS_REGISTER_OP(MxContext, "batch_norm", prepare_batch_norm);

}  // namespace
}  // namespace versus::mx
