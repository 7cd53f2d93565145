// GEMM in libtorch: torch::mm_out into a preallocated output. Backward: autograd over torch::mm
// of the (views of the) leaves, as batched_gemm's backward (blas.cc), so dA and dB come back in
// A's and B's stored layouts, as the reference wants.
#include "backends/torch/ops/instances.h"
#include "backends/torch/torch_api.h"
#include "core/ops/gemm.h"
#include "worker/op_table.h"

namespace versus::th {
namespace {

class TorchGemm final : public OpInstance {
 public:
  TorchGemm(const GemmParams& g, const std::vector<HostTensor>& in, const TorchContext& ctx)
      : g_(g), a_(from_host(in[0], ctx.device, ctx.dtype)), b_(from_host(in[1], ctx.device, ctx.dtype)),
        c_(torch::empty({g.m, g.n}, torch::TensorOptions().device(ctx.device).dtype(ctx.dtype))), device_(ctx.device) {}

  void run() override {
    torch::NoGradGuard no_grad;
    // .t() is a view; mm_out dispatches the transposed layout to BLAS without copying.
    torch::mm_out(c_, g_.trans_a ? a_.t() : a_, g_.trans_b ? b_.t() : b_);
    synchronize(device_);
  }

  std::vector<std::vector<float>> outputs() override { return {to_host(c_)}; }

 private:
  GemmParams g_;
  torch::Tensor a_, b_, c_;
  torch::Device device_;
};

std::unique_ptr<OpInstance> prepare_gemm(const CaseSpec& c, const std::vector<HostTensor>& in, const TorchContext& ctx) {
  const GemmParams g = parse_gemm_params(c.params);
  if (!is_backward(c)) return std::make_unique<TorchGemm>(g, in, ctx);
  if (in.size() != 3) throw UnsupportedCase("gemm: unexpected number of inputs");
  // b_grad_only: A needs no gradient, so mm's backward computes dB alone.
  torch::Tensor a = g.b_grad_only ? from_host(in[0], ctx.device, ctx.dtype) : leaf(in[0], ctx.device, ctx.dtype),
                b = leaf(in[1], ctx.device, ctx.dtype);
  auto forward = [a, b, g] { return torch::mm(g.trans_a ? a.t() : a, g.trans_b ? b.t() : b); };
  const std::vector<torch::Tensor> wrt = g.b_grad_only ? std::vector<torch::Tensor>{b} : std::vector<torch::Tensor>{a, b};
  return std::make_unique<TorchBackward>(ctx.device, wrt, forward,
                                         from_host(in[2], ctx.device, ctx.dtype));
}
VERSUS_REGISTER_OP(TorchContext, "gemm", prepare_gemm);

}  // namespace
}  // namespace versus::th
