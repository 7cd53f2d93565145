// conv2d in MXNet: the Convolution operator as gluon.nn.Conv2D(use_bias=False) calls it, NCHW
// data and OIHW weights (MXNet's own layouts, so nothing is converted), dilation 1, symmetric
// padding. Backward (dX, dW) through autograd.
#include "backends/mxnet/mx_program.h"
#include "core/ops/conv2d.h"
#include "worker/op_table.h"

namespace versus::mx {
namespace {

std::unique_ptr<OpInstance> prepare_conv2d(const CaseSpec& c, const std::vector<HostTensor>& in, const MxContext&) {
  const Conv2dParams q = parse_conv2d_params(c.params);
  std::vector<Param> params = {{"kernel", pair_param(q.r, q.s)},
                               {"stride", pair_param(q.stride, q.stride)},
                               {"dilate", pair_param(1, 1)},
                               {"pad", pair_param(q.pad, q.pad)},
                               {"num_filter", std::to_string(q.k)},
                               {"num_group", "1"},
                               {"no_bias", "True"},
                               {"layout", "NCHW"}};
  return make_instance(c, in,
                       {.forward =
                            [params](Program& p, const std::vector<Program::Value>& x) {
                              return p.call("Convolution", {x[0], x[1]}, params);
                            },
                        .grads_of = {0, 1}});
}
VERSUS_REGISTER_OP(MxContext, "conv2d", prepare_conv2d);

}  // namespace
}  // namespace versus::mx
