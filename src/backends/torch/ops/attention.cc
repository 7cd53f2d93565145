// attention (core/ops/attention.h) in libtorch, Q, K, V [batch, heads, seq, head_dim] as torch
// lays them out.
//   impl framework  torch::scaled_dot_product_attention — F.scaled_dot_product_attention, which
//                   nn.MultiheadAttention and nn.TransformerEncoderLayer call: ATen picks its
//                   fused kernel (flash attention on CPU) for the case; causal as is_causal, a
//                   padding mask as a boolean attn_mask [batch, 1, 1, seq] (true: attend).
//   impl composed   matmul(Q, Kᵀ)·1/√d, masked_fill(-inf), softmax, matmul(P, V): the [seq, seq]
//                   scores exist in memory, as in a model written before SDPA.
// Backward: TorchBackward (instances.h), gradients of Q, K and V.
#include <cmath>

#include "backends/torch/ops/instances.h"
#include "core/ops/attention.h"
#include "worker/op_table.h"

namespace versus::th {
namespace {

// The masks, made once as a model keeps them: `keep` for SDPA (padding), `blocked` (true: -inf)
// for the composed form, [seq, seq] causal or [batch, 1, 1, seq] padding.
struct Masks {
  torch::Tensor keep, blocked;
};

torch::Tensor attention(const AttentionParams& a, const torch::Tensor& q, const torch::Tensor& k,
                        const torch::Tensor& v, const Masks& m) {
  if (!a.composed) {
    if (m.keep.defined()) return torch::scaled_dot_product_attention(q, k, v, m.keep);
    return torch::scaled_dot_product_attention(q, k, v, {}, 0.0, a.mask == AttentionMask::kCausal);
  }
  torch::Tensor scores = torch::matmul(q, k.transpose(-2, -1)) * (1.0 / std::sqrt(static_cast<double>(a.head_dim)));
  if (m.blocked.defined()) scores = scores.masked_fill(m.blocked, -INFINITY);
  return torch::matmul(torch::softmax(scores, -1), v);
}

std::unique_ptr<OpInstance> prepare_attention(const CaseSpec& c, const std::vector<HostTensor>& in,
                                              const TorchContext& ctx) {
  const AttentionParams a = parse_attention_params(c.params);
  const size_t forward_inputs = a.mask == AttentionMask::kPadding ? 4 : 3;
  if (in.size() != forward_inputs + (is_backward(c) ? 1 : 0)) throw UnsupportedCase("attention: unexpected number of inputs");
  Masks m;
  if (a.mask == AttentionMask::kPadding) {
    m.keep = from_host(in[3], ctx.device).to(torch::kBool).reshape({a.batch, 1, 1, a.seq});
    m.blocked = m.keep.logical_not();
  } else if (a.mask == AttentionMask::kCausal) {
    m.blocked = torch::ones({a.seq, a.seq}, torch::TensorOptions().device(ctx.device).dtype(torch::kBool)).triu(1);
  }
  if (is_backward(c)) {
    const torch::Tensor q = leaf(in[0], ctx.device), k = leaf(in[1], ctx.device), v = leaf(in[2], ctx.device);
    return std::make_unique<TorchBackward>(ctx.device, std::vector<torch::Tensor>{q, k, v},
                                           [a, q, k, v, m] { return attention(a, q, k, v, m); },
                                           from_host(in.back(), ctx.device));
  }
  const torch::Tensor q = from_host(in[0], ctx.device), k = from_host(in[1], ctx.device), v = from_host(in[2], ctx.device);
  return std::make_unique<TorchForward>(ctx.device, [a, q, k, v, m] { return attention(a, q, k, v, m); });
}
VERSUS_REGISTER_OP(TorchContext, "attention", prepare_attention);

}  // namespace
}  // namespace versus::th
