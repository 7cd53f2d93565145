// Losses in libtorch (core/ops/losses.cc): softmax_cross_entropy, binary_cross_entropy, mse,
// each a mean over the batch as torch's default reduction. Forward returns the scalar loss
// (the calls allocate it and their temporaries: torch has no out= form that avoids them).
// Backward has no dY: TorchBackward seeds the scalar loss with 1, as loss.backward() does.
#include <optional>

#include "backends/torch/ops/instances.h"
#include "worker/op_table.h"

namespace versus::th {
namespace {

std::unique_ptr<OpInstance> finish(const CaseSpec& c, const TorchContext& ctx, torch::Tensor prediction,
                                   std::function<torch::Tensor(const torch::Tensor&)> loss) {
  if (is_backward(c)) {
    prediction.requires_grad_(true);
    return std::make_unique<TorchBackward>(ctx.device, std::vector<torch::Tensor>{prediction},
                                           [prediction, loss] { return loss(prediction); }, torch::Tensor());
  }
  return std::make_unique<TorchForward>(ctx.device, [prediction, loss]() { return loss(prediction); });
}

void require(const CaseSpec& c, const std::vector<HostTensor>& in) {
  // The targets are inputs, not differentiated: backward takes the same two inputs.
  if (in.size() != 2 || in[0].shape != in[1].shape)
    throw UnsupportedCase(c.op + ": expected a prediction and a target of the same shape");
}

// The class of each row when `labels` is one-hot, else nothing.
std::optional<std::vector<int64_t>> one_hot_classes(const HostTensor& labels) {
  const int64_t batch = labels.shape[0], classes = labels.shape[1];
  std::vector<int64_t> out(static_cast<size_t>(batch), -1);
  for (int64_t i = 0; i < batch; ++i)
    for (int64_t j = 0; j < classes; ++j) {
      const float v = labels.data[static_cast<size_t>(i * classes + j)];
      if (v == 0.0f) continue;
      if (v != 1.0f || out[static_cast<size_t>(i)] >= 0) return std::nullopt;
      out[static_cast<size_t>(i)] = j;
    }
  for (int64_t k : out)
    if (k < 0) return std::nullopt;
  return out;
}

// One-hot labels (what the harness generates) become class indices once, here: torch users
// pass integer targets to cross_entropy, which then runs log_softmax + nll_loss. Any other
// label distribution goes in as probabilities, cross_entropy's soft-target form, which computes
// the same loss (core's reference is written for both).
std::unique_ptr<OpInstance> prepare_softmax_cross_entropy(const CaseSpec& c,
                                                          const std::vector<HostTensor>& in,
                                                          const TorchContext& ctx) {
  require(c, in);
  if (in[0].shape.size() != 2) throw UnsupportedCase(c.op + ": expected logits [batch, classes]");
  torch::Tensor target;
  if (auto classes = one_hot_classes(in[1])) {
    target = torch::from_blob(classes->data(), {in[1].shape[0]}, torch::kLong)
                 .to(ctx.device, /*non_blocking=*/false,
                     /*copy=*/true);
  } else {
    target = from_host(in[1], ctx.device);
  }
  return finish(c, ctx, from_host(in[0], ctx.device),
                [target](const torch::Tensor& logits) { return torch::cross_entropy_loss(logits, target); });
}

std::unique_ptr<OpInstance> prepare_binary_cross_entropy(const CaseSpec& c, const std::vector<HostTensor>& in,
                                                         const TorchContext& ctx) {
  require(c, in);
  const torch::Tensor target = from_host(in[1], ctx.device);
  return finish(c, ctx, from_host(in[0], ctx.device),
                [target](const torch::Tensor& p) { return torch::binary_cross_entropy(p, target); });
}

std::unique_ptr<OpInstance> prepare_mse(const CaseSpec& c, const std::vector<HostTensor>& in,
                                        const TorchContext& ctx) {
  require(c, in);
  const torch::Tensor target = from_host(in[1], ctx.device);
  return finish(c, ctx, from_host(in[0], ctx.device),
                [target](const torch::Tensor& x) { return torch::mse_loss(x, target); });
}

VERSUS_REGISTER_OP(TorchContext, "softmax_cross_entropy", prepare_softmax_cross_entropy);
VERSUS_REGISTER_OP(TorchContext, "binary_cross_entropy", prepare_binary_cross_entropy);
VERSUS_REGISTER_OP(TorchContext, "mse", prepare_mse);

}  // namespace
}  // namespace versus::th
