// transpose and nchw_to_nhwc in MXNet: the transpose operator with `axes`, as nd.transpose(x,
// axes=(1, 0)) / x.transpose((0, 2, 3, 1)) call it. MXNet's NDArray has no strided views:
// transpose always writes a new (or, forward, the reused out=) array, so every run() copies.
// Backward is MXNet's autograd (mx_program.h): transpose's gradient is transpose with the
// inverse axes, written into the attached dX buffer.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "backends/mxnet/mx_program.h"
#include "core/ops/layout_copy.h"
#include "worker/op_table.h"

namespace versus::mx {
namespace {

// "(0, 2, 3, 1)": MXNet's tuple syntax.
std::string axes_param(const std::vector<int64_t>& perm) { return fmt::format("({})", fmt::join(perm, ", ")); }

std::unique_ptr<OpInstance> prepare_layout_copy(const CaseSpec& c, const std::vector<HostTensor>& in,
                                                const MxContext&) {
  const std::string axes = axes_param(parse_layout_copy_params(c.op, c.params).perm);
  return make_instance(c, in,
                       {.forward = [axes](Program& p, const std::vector<Program::Value>& x) {
                          return p.call("transpose", {x[0]}, {{"axes", axes}});
                        },
                        .grads_of = {0}});
}
VERSUS_REGISTER_OP(MxContext, "transpose", prepare_layout_copy);

// VERSUS_REGISTER_OP names its flag after the function, so the second op needs its own name.
std::unique_ptr<OpInstance> prepare_nchw_to_nhwc(const CaseSpec& c, const std::vector<HostTensor>& in,
                                                 const MxContext& ctx) {
  return prepare_layout_copy(c, in, ctx);
}
VERSUS_REGISTER_OP(MxContext, "nchw_to_nhwc", prepare_nchw_to_nhwc);

}  // namespace
}  // namespace versus::mx
