// Ops over the last axis of a [rows, cols] matrix in libtorch (core/ops/softmax.cc and
// core/ops/reduce.cc): softmax, reduce_sum, reduce_mean. Forward writes into a preallocated
// output with ATen's out= variants; backward: TorchBackward (instances.h).
#include "backends/torch/ops/instances.h"
#include "worker/op_table.h"

namespace versus::th {
namespace {

enum class Kind { kSoftmax, kSum, kMean };

torch::Tensor apply(Kind kind, const torch::Tensor& x) {
  switch (kind) {
    case Kind::kSoftmax:
      return torch::softmax(x, /*dim=*/1);
    case Kind::kSum:
      return torch::sum(x, /*dim=*/{1});
    case Kind::kMean:
      return torch::mean(x, /*dim=*/{1});
  }
  throw UnsupportedCase("unknown row op");
}

void apply_out(Kind kind, torch::Tensor& y, const torch::Tensor& x) {
  switch (kind) {
    case Kind::kSoftmax:
      torch::softmax_out(y, x, /*dim=*/1);
      return;
    case Kind::kSum:
      torch::sum_out(y, x, /*dim=*/{1});
      return;
    case Kind::kMean:
      torch::mean_out(y, x, /*dim=*/{1});
      return;
  }
}

std::unique_ptr<OpInstance> prepare(Kind kind, const CaseSpec& c, const std::vector<HostTensor>& in,
                                    const TorchContext& ctx) {
  const bool backward = is_backward(c);
  if (in.size() != (backward ? 2u : 1u) || in[0].shape.size() != 2)
    throw UnsupportedCase(c.op + ": expected X [rows, cols]" + (backward ? " and dY" : ""));
  if (backward) {
    torch::Tensor x = leaf(in[0], ctx.device);
    return std::make_unique<TorchBackward>(ctx.device, std::vector<torch::Tensor>{x}, [kind, x] { return apply(kind, x); },
                                           from_host(in[1], ctx.device));
  }
  const torch::Tensor x = from_host(in[0], ctx.device);
  torch::Tensor y = kind == Kind::kSoftmax ? torch::empty_like(x) : torch::empty({x.size(0)}, x.options());
  return std::make_unique<TorchForward>(ctx.device, [kind, x, y]() mutable {
    apply_out(kind, y, x);
    return y;
  });
}

std::unique_ptr<OpInstance> prepare_softmax(const CaseSpec& c, const std::vector<HostTensor>& in,
                                            const TorchContext& ctx) {
  return prepare(Kind::kSoftmax, c, in, ctx);
}
std::unique_ptr<OpInstance> prepare_reduce_sum(const CaseSpec& c, const std::vector<HostTensor>& in,
                                               const TorchContext& ctx) {
  return prepare(Kind::kSum, c, in, ctx);
}
std::unique_ptr<OpInstance> prepare_reduce_mean(const CaseSpec& c, const std::vector<HostTensor>& in,
                                                const TorchContext& ctx) {
  return prepare(Kind::kMean, c, in, ctx);
}
VERSUS_REGISTER_OP(TorchContext, "softmax", prepare_softmax);
VERSUS_REGISTER_OP(TorchContext, "reduce_sum", prepare_reduce_sum);
VERSUS_REGISTER_OP(TorchContext, "reduce_mean", prepare_reduce_mean);

}  // namespace
}  // namespace versus::th
