// Layer ops in libtorch: conv2d (core/ops/conv2d.h), max_pool and avg_pool (core/ops/pool.h),
// batch_norm (core/ops/batchnorm.h) and embedding (core/ops/embedding.h). Tensors are NCHW and
// weights OIHW, torch's own layouts, so nothing is converted; conv2d's nhwc layout is torch's
// channels_last (see prepare_conv2d). Forward calls the user-facing ATen op (only avg_pool2d has
// an out= form that is its kernel); backward: TorchBackward (instances.h).
#include "backends/torch/ops/instances.h"
#include "core/ops/batchnorm.h"
#include "core/ops/conv2d.h"
#include "core/ops/embedding.h"
#include "core/ops/pool.h"
#include "worker/op_table.h"

namespace versus::th {
namespace {

void require_inputs(const CaseSpec& c, const std::vector<HostTensor>& in, size_t forward_inputs) {
  if (in.size() != forward_inputs + (is_backward(c) ? 1 : 0))
    throw UnsupportedCase(c.op + ": unexpected number of inputs");
}

// An nhwc conv2d's results in the contract's layouts. Torch tensors are NCHW/OIHW-shaped
// whatever their strides, so the wrapped instance reads Y, dX, dW in that order; they are
// permuted to NHWC / HWIO here, when outputs() is called, outside the timed run().
class ChannelsLastResults final : public OpInstance {
 public:
  ChannelsLastResults(std::unique_ptr<OpInstance> inner, const Conv2dParams& p, bool backward)
      : inner_(std::move(inner)), p_(p), backward_(backward) {}
  void run() override { inner_->run(); }
  std::vector<std::vector<float>> outputs() override {
    std::vector<std::vector<float>> out = inner_->outputs();
    if (!backward_) {
      out.at(0) = permute_axes(out.at(0), {p_.n, p_.k, p_.ho(), p_.wo()}, kNchwToNhwc);
    } else {
      if (!p_.weight_grad_only) out.at(0) = permute_axes(out.at(0), {p_.n, p_.c, p_.h, p_.w}, kNchwToNhwc);
      auto& dw = out.at(p_.weight_grad_only ? 0 : 1);
      dw = permute_axes(dw, {p_.k, p_.c, p_.r, p_.s}, kOihwToHwio);
    }
    return out;
  }

 private:
  std::unique_ptr<OpInstance> inner_;
  Conv2dParams p_;
  bool backward_;
};

// No bias, dilation 1, symmetric padding: torch::conv2d's own convention. On CUDA cuDNN picks
// the algorithm (the backend turns TF32 off so that it is a float32 convolution).
// nhwc is torch's channels_last memory format: the NHWC X viewed by permute as an NCHW-shaped
// tensor with channels_last strides (no copy), and the HWIO weight made an OIHW-shaped
// channels_last tensor once here, as a model stores its weights in its chosen format, not
// converted per step. conv2d then stays channels_last (Y, dX, dW come out in that format).
std::unique_ptr<OpInstance> prepare_conv2d(const CaseSpec& c, const std::vector<HostTensor>& in,
                                           const TorchContext& ctx) {
  const Conv2dParams p = parse_conv2d_params(c.params);
  require_inputs(c, in, 2);
  auto conv = [p](const torch::Tensor& x, const torch::Tensor& w) {
    return torch::conv2d(x, w, /*bias=*/{}, /*stride=*/{p.stride, p.stride}, /*padding=*/{p.pad, p.pad});
  };
  torch::Tensor x = from_host(in[0], ctx.device, ctx.dtype), w = from_host(in[1], ctx.device, ctx.dtype);
  if (p.nhwc()) {
    x = x.permute({0, 3, 1, 2});                                              // [n,h,w,c] -> [n,c,h,w] view
    w = w.permute({3, 2, 0, 1}).contiguous(at::MemoryFormat::ChannelsLast);  // HWIO -> OIHW, stored OHWI
  }
  std::unique_ptr<OpInstance> inst;
  if (is_backward(c)) {
    // weight_grad_only: X needs no gradient, so autograd's convolution_backward skips dX.
    x = x.detach().requires_grad_(!p.weight_grad_only);
    w = w.detach().requires_grad_(true);
    torch::Tensor dy = from_host(in[2], ctx.device, ctx.dtype);
    if (p.nhwc()) dy = dy.permute({0, 3, 1, 2});
    const std::vector<torch::Tensor> wrt = p.weight_grad_only ? std::vector<torch::Tensor>{w} : std::vector<torch::Tensor>{x, w};
    inst = std::make_unique<TorchBackward>(ctx.device, wrt,
                                           [conv, x, w] { return conv(x, w); }, dy);
  } else {
    inst = std::make_unique<TorchForward>(ctx.device, [conv, x, w]() { return conv(x, w); });
  }
  if (!p.nhwc()) return inst;
  return std::make_unique<ChannelsLastResults>(std::move(inst), p, is_backward(c));
}

// ceil_mode=false gives core's rounded-down output size; max pooling pads with -inf, i.e. the
// padding never wins; avg_pool's count_include_pad=false divides by the real elements only
// (torch's default, true, would divide by window²).
std::unique_ptr<OpInstance> prepare_pool(bool max, const CaseSpec& c, const std::vector<HostTensor>& in,
                                         const TorchContext& ctx) {
  const PoolParams p = parse_pool_params(c.op, c.params);
  require_inputs(c, in, 1);
  const std::vector<int64_t> window = {p.window, p.window}, stride = {p.stride, p.stride},
                             pad = {p.pad, p.pad};
  auto pool = [max, window, stride, pad](const torch::Tensor& x) {
    return max ? torch::max_pool2d(x, window, stride, pad, /*dilation=*/{1, 1}, /*ceil_mode=*/false)
               : torch::avg_pool2d(x, window, stride, pad, /*ceil_mode=*/false, /*count_include_pad=*/false);
  };
  if (is_backward(c)) {
    torch::Tensor x = leaf(in[0], ctx.device);
    return std::make_unique<TorchBackward>(ctx.device, std::vector<torch::Tensor>{x}, [pool, x] { return pool(x); },
                                           from_host(in[1], ctx.device));
  }
  const torch::Tensor x = from_host(in[0], ctx.device);
  if (max) return std::make_unique<TorchForward>(ctx.device, [pool, x]() { return pool(x); });
  torch::Tensor y = torch::empty({p.n, p.c, p.ho(), p.wo()}, x.options());
  return std::make_unique<TorchForward>(ctx.device, [window, stride, pad, x, y]() mutable {
    torch::avg_pool2d_out(y, x, window, stride, pad, /*ceil_mode=*/false, /*count_include_pad=*/false);
    return y;
  });
}

std::unique_ptr<OpInstance> prepare_max_pool(const CaseSpec& c, const std::vector<HostTensor>& in,
                                             const TorchContext& ctx) {
  return prepare_pool(true, c, in, ctx);
}
std::unique_ptr<OpInstance> prepare_avg_pool(const CaseSpec& c, const std::vector<HostTensor>& in,
                                             const TorchContext& ctx) {
  return prepare_pool(false, c, in, ctx);
}

// Training mode, as nn::BatchNorm2d in train(): normalised with the batch's biased variance,
// eps 1e-5, and the running statistics updated on the side as a training step does (they
// do not affect Y). The backward's inputs are the forward's saved batch mean and inverse std.
std::unique_ptr<OpInstance> prepare_batch_norm(const CaseSpec& c, const std::vector<HostTensor>& in,
                                               const TorchContext& ctx) {
  const BatchNormParams p = parse_batch_norm_params(c.params);
  require_inputs(c, in, 3);
  const auto options = torch::TensorOptions().device(ctx.device);
  const torch::Tensor running_mean = torch::zeros({p.c}, options), running_var = torch::ones({p.c}, options);
  auto norm = [running_mean, running_var](const torch::Tensor& x, const torch::Tensor& gamma,
                                          const torch::Tensor& beta) {
    return torch::batch_norm(x, gamma, beta, running_mean, running_var, /*training=*/true, /*momentum=*/0.1,
                             kBatchNormEps, /*cudnn_enabled=*/true);
  };
  if (is_backward(c)) {
    torch::Tensor x = leaf(in[0], ctx.device), gamma = leaf(in[1], ctx.device),
                  beta = leaf(in[2], ctx.device);
    return std::make_unique<TorchBackward>(ctx.device, std::vector<torch::Tensor>{x, gamma, beta},
                                           [norm, x, gamma, beta] { return norm(x, gamma, beta); },
                                           from_host(in[3], ctx.device));
  }
  const torch::Tensor x = from_host(in[0], ctx.device), gamma = from_host(in[1], ctx.device),
                      beta = from_host(in[2], ctx.device);
  return std::make_unique<TorchForward>(ctx.device,
                                        [norm, x, gamma, beta]() { return norm(x, gamma, beta); });
}

// The float indices become int64 once, here, as a data loader hands torch integer token ids.
// Backward differentiates the table only (dense gradient: sparse=false, torch's default).
std::unique_ptr<OpInstance> prepare_embedding(const CaseSpec& c, const std::vector<HostTensor>& in,
                                              const TorchContext& ctx) {
  parse_embedding_params(c.params);
  require_inputs(c, in, 2);
  const torch::Tensor indices = from_host(in[1], ctx.device).to(torch::kLong);
  if (is_backward(c)) {
    torch::Tensor table = leaf(in[0], ctx.device);
    return std::make_unique<TorchBackward>(ctx.device, std::vector<torch::Tensor>{table},
                                           [table, indices] { return torch::embedding(table, indices); },
                                           from_host(in[2], ctx.device));
  }
  const torch::Tensor table = from_host(in[0], ctx.device);
  return std::make_unique<TorchForward>(ctx.device,
                                        [table, indices]() { return torch::embedding(table, indices); });
}

VERSUS_REGISTER_OP(TorchContext, "conv2d", prepare_conv2d);
VERSUS_REGISTER_OP(TorchContext, "max_pool", prepare_max_pool);
VERSUS_REGISTER_OP(TorchContext, "avg_pool", prepare_avg_pool);
VERSUS_REGISTER_OP(TorchContext, "batch_norm", prepare_batch_norm);
VERSUS_REGISTER_OP(TorchContext, "embedding", prepare_embedding);

}  // namespace
}  // namespace versus::th
