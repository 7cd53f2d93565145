// softmax over the last axis in MXNet: the `softmax` operator with axis=-1 (what
// mx.nd.softmax(x) does); backward through autograd.
#include "backends/mxnet/mx_program.h"
#include "worker/op_table.h"

namespace versus::mx {
namespace {

std::unique_ptr<OpInstance> prepare_softmax(const CaseSpec& c, const std::vector<HostTensor>& in, const MxContext&) {
  return make_instance(c, in,
                       {.forward = [](Program& p, const std::vector<Program::Value>& x) {
                          return p.call("softmax", {x[0]}, {{"axis", "-1"}});
                        },
                        .grads_of = {0}});
}
VERSUS_REGISTER_OP(MxContext, "softmax", prepare_softmax);

}  // namespace
}  // namespace versus::mx
