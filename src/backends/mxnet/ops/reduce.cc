// Row reductions in MXNet: sum and mean over axis 1 of [rows, cols] (mx.nd.sum(x, axis=1));
// backward through autograd, which broadcasts dY back along the rows.
#include "backends/mxnet/mx_program.h"
#include "worker/op_table.h"

namespace versus::mx {
namespace {

Recipe row_reduction(const char* op) {
  return {.forward = [op](Program& p, const std::vector<Program::Value>& x) { return p.call(op, {x[0]}, {{"axis", "1"}}); },
          .grads_of = {0}};
}

std::unique_ptr<OpInstance> prepare_reduce_sum(const CaseSpec& c, const std::vector<HostTensor>& in,
                                               const MxContext&) {
  return make_instance(c, in, row_reduction("sum"));
}
std::unique_ptr<OpInstance> prepare_reduce_mean(const CaseSpec& c, const std::vector<HostTensor>& in,
                                                const MxContext&) {
  return make_instance(c, in, row_reduction("mean"));
}
VERSUS_REGISTER_OP(MxContext, "reduce_sum", prepare_reduce_sum);
VERSUS_REGISTER_OP(MxContext, "reduce_mean", prepare_reduce_mean);

}  // namespace
}  // namespace versus::mx
