// dispatch (core/ops/dispatch.h) in the native backend, mode "call" in every variant: one float
// addition behind the worker's virtual run(), the floor under every framework's dispatch path
// (what the timing loop itself costs per iteration).
#include "backends/native/host_instance.h"
#include "backends/native/native_context.h"
#include "core/ops/dispatch.h"
#include "worker/op_table.h"

namespace versus {
namespace {

std::unique_ptr<OpInstance> prepare_dispatch(const CaseSpec& c, const std::vector<HostTensor>& in,
                                             const NativeContext&) {
  const std::string mode = parse_dispatch_mode(c.params);
  if (mode != "call") throw UnsupportedCase("native has no dispatch mode '" + mode + "'; its mode: call");
  auto inst = std::make_unique<HostInstance>();
  const float* a = inst->input(in.at(0)).data();
  const float* b = inst->input(in.at(1)).data();
  float* y = inst->output(1).data();
  // volatile: the compiler must not hoist the addition out of the timing loop.
  inst->set_body([a, b, y] { *static_cast<volatile float*>(y) = *static_cast<const volatile float*>(a) + *static_cast<const volatile float*>(b); });
  return inst;
}
VERSUS_REGISTER_OP(NativeContext, "dispatch", prepare_dispatch);

}  // namespace
}  // namespace versus
