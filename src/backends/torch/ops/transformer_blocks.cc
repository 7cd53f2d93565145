// The transformer's element-wise and normalisation ops in libtorch: gelu (core/ops/gelu.h) and
// layer_norm (core/ops/layer_norm.h).
//   impl framework  torch::gelu(x, approximate) — torch.nn.functional.gelu — and
//                   torch::layer_norm — nn.LayerNorm — each one fused ATen kernel per direction.
//   impl composed   the formulas as a PyTorch user writes them without those (HF's NewGELUActivation:
//                   0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·pow(x, 3)))); mean, var, rsqrt).
// Backward: TorchBackward (instances.h).
#include <cmath>

#include "backends/torch/ops/instances.h"
#include "core/ops/gelu.h"
#include "core/ops/layer_norm.h"
#include "worker/op_table.h"

namespace versus::th {
namespace {

void require_inputs(const CaseSpec& c, const std::vector<HostTensor>& in, size_t forward_inputs) {
  if (in.size() != forward_inputs + (is_backward(c) ? 1 : 0))
    throw UnsupportedCase(c.op + ": unexpected number of inputs");
}

torch::Tensor gelu(const GeluParams& p, const torch::Tensor& x) {
  if (!p.composed) return torch::gelu(x, p.tanh ? "tanh" : "none");
  if (!p.tanh) return 0.5 * x * (1 + torch::erf(x * M_SQRT1_2));
  return 0.5 * x * (1 + torch::tanh(kGeluSqrt2OverPi * (x + kGeluTanhCoeff * torch::pow(x, 3))));
}

std::unique_ptr<OpInstance> prepare_gelu(const CaseSpec& c, const std::vector<HostTensor>& in,
                                         const TorchContext& ctx) {
  const GeluParams p = parse_gelu_params(c.params);
  require_inputs(c, in, 1);
  if (is_backward(c)) {
    const torch::Tensor x = leaf(in[0], ctx.device);
    return std::make_unique<TorchBackward>(ctx.device, std::vector<torch::Tensor>{x}, [p, x] { return gelu(p, x); },
                                           from_host(in[1], ctx.device));
  }
  const torch::Tensor x = from_host(in[0], ctx.device);
  if (p.composed) return std::make_unique<TorchForward>(ctx.device, [p, x] { return gelu(p, x); });
  torch::Tensor y = torch::empty_like(x);  // gelu.out is the kernel torch::gelu runs
  return std::make_unique<TorchForward>(ctx.device, [p, x, y]() mutable {
    torch::gelu_out(y, x, p.tanh ? "tanh" : "none");
    return y;
  });
}

torch::Tensor layer_norm(const LayerNormParams& p, const torch::Tensor& x, const torch::Tensor& gamma,
                         const torch::Tensor& beta) {
  if (!p.composed) return torch::layer_norm(x, {p.cols}, gamma, beta, kLayerNormEps);
  const torch::Tensor mean = x.mean(-1, /*keepdim=*/true);
  const torch::Tensor var = (x - mean).pow(2).mean(-1, /*keepdim=*/true);
  return (x - mean) * torch::rsqrt(var + kLayerNormEps) * gamma + beta;
}

std::unique_ptr<OpInstance> prepare_layer_norm(const CaseSpec& c, const std::vector<HostTensor>& in,
                                               const TorchContext& ctx) {
  const LayerNormParams p = parse_layer_norm_params(c.params);
  require_inputs(c, in, 3);
  if (is_backward(c)) {
    const torch::Tensor x = leaf(in[0], ctx.device), gamma = leaf(in[1], ctx.device), beta = leaf(in[2], ctx.device);
    return std::make_unique<TorchBackward>(ctx.device, std::vector<torch::Tensor>{x, gamma, beta},
                                           [p, x, gamma, beta] { return layer_norm(p, x, gamma, beta); },
                                           from_host(in[3], ctx.device));
  }
  const torch::Tensor x = from_host(in[0], ctx.device), gamma = from_host(in[1], ctx.device),
                      beta = from_host(in[2], ctx.device);
  return std::make_unique<TorchForward>(ctx.device, [p, x, gamma, beta] { return layer_norm(p, x, gamma, beta); });
}

VERSUS_REGISTER_OP(TorchContext, "gelu", prepare_gelu);
VERSUS_REGISTER_OP(TorchContext, "layer_norm", prepare_layer_norm);

}  // namespace
}  // namespace versus::th
