// max_pool and avg_pool in MXNet: the Pooling operator (gluon.nn.MaxPool2D / AvgPool2D), NCHW,
// with the catalogue's conventions stated explicitly rather than left to defaults:
// pooling_convention "valid" (output size rounded down), and for avg count_include_pad=False
// (MXNet's default is True), so the padding never contributes and a window is divided by its
// number of real input elements. MXNet's max pooling clips each window to the input, which is
// the catalogue's "padding ignored". Backward (dX) through autograd.
#include "backends/mxnet/mx_program.h"
#include "core/ops/pool.h"
#include "worker/op_table.h"

namespace versus::mx {
namespace {

Recipe pooling(const CaseSpec& c, bool max) {
  const PoolParams q = parse_pool_params(c.op, c.params);
  std::vector<Param> params = {{"kernel", pair_param(q.window, q.window)},
                               {"stride", pair_param(q.stride, q.stride)},
                               {"pad", pair_param(q.pad, q.pad)},
                               {"pool_type", max ? "max" : "avg"},
                               {"pooling_convention", "valid"},
                               {"global_pool", "False"},
                               {"layout", "NCHW"}};
  if (!max) params.emplace_back("count_include_pad", "False");
  return {.forward = [params](Program& p, const std::vector<Program::Value>& x) {
            return p.call("Pooling", {x[0]}, params);
          },
          .grads_of = {0}};
}

std::unique_ptr<OpInstance> prepare_max_pool(const CaseSpec& c, const std::vector<HostTensor>& in,
                                             const MxContext&) {
  return make_instance(c, in, pooling(c, true));
}
std::unique_ptr<OpInstance> prepare_avg_pool(const CaseSpec& c, const std::vector<HostTensor>& in,
                                             const MxContext&) {
  return make_instance(c, in, pooling(c, false));
}
VERSUS_REGISTER_OP(MxContext, "max_pool", prepare_max_pool);
VERSUS_REGISTER_OP(MxContext, "avg_pool", prepare_avg_pool);

}  // namespace
}  // namespace versus::mx
