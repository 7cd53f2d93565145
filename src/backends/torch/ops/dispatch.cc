// dispatch (core/ops/dispatch.h) in libtorch, mode "eager": `torch::add(a, b)` on one-element
// tensors, the dispatcher's full path a user's call takes (argument parsing aside: that is
// Python's), including the new output tensor's allocation; no autograd graph (NoGradGuard).
#include "backends/torch/ops/instances.h"
#include "core/ops/dispatch.h"
#include "worker/op_table.h"

namespace versus::th {
namespace {

std::unique_ptr<OpInstance> prepare_dispatch(const CaseSpec& c, const std::vector<HostTensor>& in,
                                             const TorchContext& ctx) {
  const std::string mode = parse_dispatch_mode(c.params);
  if (mode != "eager") throw UnsupportedCase("torch has no dispatch mode '" + mode + "'; its mode: eager");
  const torch::Tensor a = from_host(in.at(0), ctx.device), b = from_host(in.at(1), ctx.device);
  return std::make_unique<TorchForward>(ctx.device, [a, b] { return torch::add(a, b); });
}
VERSUS_REGISTER_OP(TorchContext, "dispatch", prepare_dispatch);

}  // namespace
}  // namespace versus::th
