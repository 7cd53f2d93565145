// dot, gemv and batched_gemm in libtorch (core/ops/blas.h), in gemm.cc's style: transposed
// operands are .t()/.transpose() views, which ATen hands to BLAS as a transpose flag, never a copy.
#include "core/ops/blas.h"

#include "backends/torch/ops/instances.h"
#include "worker/op_table.h"

namespace versus::th {
namespace {

// torch::dot returns a new 0-d tensor: its out= form is a generated wrapper that computes into
// a new tensor and copies, so the allocating call is the cheaper, and the one users make.
std::unique_ptr<OpInstance> prepare_dot(const CaseSpec& c, const std::vector<HostTensor>& in,
                                        const TorchContext& ctx) {
  // Core defines no backward for dot or gemv: worker_main refuses that direction before prepare.
  parse_dot_params(c.params);
  if (in.size() != 2) throw UnsupportedCase("dot: expected inputs X and Y");
  const torch::Tensor x = from_host(in[0], ctx.device), y = from_host(in[1], ctx.device);
  return std::make_unique<TorchForward>(ctx.device, [x, y]() { return torch::dot(x, y); });
}

// mv_out calls addmv_out on the preallocated Y directly.
std::unique_ptr<OpInstance> prepare_gemv(const CaseSpec& c, const std::vector<HostTensor>& in,
                                         const TorchContext& ctx) {
  const GemvParams g = parse_gemv_params(c.params);
  if (in.size() != 2) throw UnsupportedCase("gemv: expected inputs A and X");
  const torch::Tensor a = from_host(in[0], ctx.device), x = from_host(in[1], ctx.device);
  const torch::Tensor op_a = g.trans_a ? a.t() : a;
  torch::Tensor y = torch::empty({g.m}, a.options());
  return std::make_unique<TorchForward>(ctx.device, [op_a, x, y]() mutable {
    torch::mv_out(y, op_a, x);
    return y;
  });
}

// Forward: bmm_out into a preallocated C. Backward: autograd over torch::bmm of the (views of
// the) leaves, so dA and dB come back in A's and B's stored layouts, as the reference wants.
std::unique_ptr<OpInstance> prepare_batched_gemm(const CaseSpec& c, const std::vector<HostTensor>& in,
                                                 const TorchContext& ctx) {
  const bool backward = is_backward(c);
  const BatchedGemmParams b = parse_batched_gemm_params(c.params);
  if (in.size() != (backward ? 3u : 2u)) throw UnsupportedCase("batched_gemm: unexpected number of inputs");
  auto op = [](const torch::Tensor& t, bool trans) { return trans ? t.transpose(1, 2) : t; };
  if (backward) {
    torch::Tensor a = leaf(in[0], ctx.device), bm = leaf(in[1], ctx.device);
    auto forward = [a, bm, op, b] { return torch::bmm(op(a, b.g.trans_a), op(bm, b.g.trans_b)); };
    return std::make_unique<TorchBackward>(ctx.device, std::vector<torch::Tensor>{a, bm}, forward,
                                           from_host(in[2], ctx.device));
  }
  const torch::Tensor a = op(from_host(in[0], ctx.device), b.g.trans_a);
  const torch::Tensor bm = op(from_host(in[1], ctx.device), b.g.trans_b);
  torch::Tensor y = torch::empty({b.batch, b.g.m, b.g.n}, a.options());
  return std::make_unique<TorchForward>(ctx.device, [a, bm, y]() mutable {
    torch::bmm_out(y, a, bm);
    return y;
  });
}

VERSUS_REGISTER_OP(TorchContext, "dot", prepare_dot);
VERSUS_REGISTER_OP(TorchContext, "gemv", prepare_gemv);
VERSUS_REGISTER_OP(TorchContext, "batched_gemm", prepare_batched_gemm);

}  // namespace
}  // namespace versus::th
