// GEMM in libtorch: torch::mm_out into a preallocated output.
#include "backends/torch/torch_api.h"
#include "core/ops/gemm.h"
#include "worker/op_table.h"

namespace versus::th {
namespace {

class TorchGemm final : public OpInstance {
 public:
  TorchGemm(const GemmParams& g, const std::vector<HostTensor>& in, const torch::Device& device)
      : g_(g), a_(from_host(in[0], device)), b_(from_host(in[1], device)),
        c_(torch::empty({g.m, g.n}, torch::TensorOptions().device(device))), device_(device) {}

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
  return std::make_unique<TorchGemm>(parse_gemm_params(c.params), in, ctx.device);
}
VERSUS_REGISTER_OP(TorchContext, "gemm", prepare_gemm);

}  // namespace
}  // namespace versus::th
