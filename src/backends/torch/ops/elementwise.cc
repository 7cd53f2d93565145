// Element-wise ops in libtorch (core/ops/elementwise.cc): add, mul, relu, sigmoid, tanh.
// Forward writes into a preallocated Y through ATen's out= variants, which are the same
// structured kernels the allocating calls run. Backward: TorchBackward (instances.h).
#include "backends/torch/ops/instances.h"
#include "worker/op_table.h"

namespace versus::th {
namespace {

enum class Kind { kAdd, kMul, kRelu, kSigmoid, kTanh };

// The user-facing call, recorded by autograd in the backward case.
torch::Tensor apply(Kind kind, const torch::Tensor& a, const torch::Tensor& b) {
  switch (kind) {
    case Kind::kAdd:
      return torch::add(a, b);
    case Kind::kMul:
      return torch::mul(a, b);
    case Kind::kRelu:
      return torch::relu(a);
    case Kind::kSigmoid:
      return torch::sigmoid(a);
    case Kind::kTanh:
      return torch::tanh(a);
  }
  throw UnsupportedCase("unknown element-wise kind");
}

// The same op into `y`. ATen implements relu as clamp_min(x, 0) (its relu.out is only a
// generated wrapper that computes into a new tensor and copies), so clamp_min_out runs
// torch::relu's kernel without the allocation.
void apply_out(Kind kind, torch::Tensor& y, const torch::Tensor& a, const torch::Tensor& b) {
  switch (kind) {
    case Kind::kAdd:
      torch::add_out(y, a, b);
      return;
    case Kind::kMul:
      torch::mul_out(y, a, b);
      return;
    case Kind::kRelu:
      torch::clamp_min_out(y, a, 0);
      return;
    case Kind::kSigmoid:
      torch::sigmoid_out(y, a);
      return;
    case Kind::kTanh:
      torch::tanh_out(y, a);
      return;
  }
}

std::unique_ptr<OpInstance> prepare(Kind kind, const CaseSpec& c, const std::vector<HostTensor>& in,
                                    const TorchContext& ctx) {
  const bool backward = is_backward(c);
  const size_t arity = kind == Kind::kAdd || kind == Kind::kMul ? 2 : 1;
  if (in.size() != arity + (backward ? 1 : 0)) throw UnsupportedCase(c.op + ": unexpected number of inputs");
  if (backward) {
    std::vector<torch::Tensor> wrt;
    for (size_t i = 0; i < arity; ++i) wrt.push_back(leaf(in[i], ctx.device));
    auto forward = [kind, wrt, arity] { return apply(kind, wrt[0], arity == 2 ? wrt[1] : torch::Tensor()); };
    return std::make_unique<TorchBackward>(ctx.device, wrt, forward, from_host(in[arity], ctx.device));
  }
  const torch::Tensor a = from_host(in[0], ctx.device);
  const torch::Tensor b = arity == 2 ? from_host(in[1], ctx.device) : torch::Tensor();
  torch::Tensor y = torch::empty_like(a);
  return std::make_unique<TorchForward>(ctx.device, [kind, a, b, y]() mutable {
    apply_out(kind, y, a, b);
    return y;
  });
}

std::unique_ptr<OpInstance> prepare_add(const CaseSpec& c, const std::vector<HostTensor>& in,
                                        const TorchContext& ctx) {
  return prepare(Kind::kAdd, c, in, ctx);
}
std::unique_ptr<OpInstance> prepare_mul(const CaseSpec& c, const std::vector<HostTensor>& in,
                                        const TorchContext& ctx) {
  return prepare(Kind::kMul, c, in, ctx);
}
std::unique_ptr<OpInstance> prepare_relu(const CaseSpec& c, const std::vector<HostTensor>& in,
                                         const TorchContext& ctx) {
  return prepare(Kind::kRelu, c, in, ctx);
}
std::unique_ptr<OpInstance> prepare_sigmoid(const CaseSpec& c, const std::vector<HostTensor>& in,
                                            const TorchContext& ctx) {
  return prepare(Kind::kSigmoid, c, in, ctx);
}
std::unique_ptr<OpInstance> prepare_tanh(const CaseSpec& c, const std::vector<HostTensor>& in,
                                         const TorchContext& ctx) {
  return prepare(Kind::kTanh, c, in, ctx);
}
VERSUS_REGISTER_OP(TorchContext, "add", prepare_add);
VERSUS_REGISTER_OP(TorchContext, "mul", prepare_mul);
VERSUS_REGISTER_OP(TorchContext, "relu", prepare_relu);
VERSUS_REGISTER_OP(TorchContext, "sigmoid", prepare_sigmoid);
VERSUS_REGISTER_OP(TorchContext, "tanh", prepare_tanh);

}  // namespace
}  // namespace versus::th
