// attention (core/ops/attention.h) in TensorFlow graph mode. TensorFlow has no fused attention
// kernel on CPU; both forms are its batched matmuls and Softmax, with the C API's gradients.
//   impl framework  what keras.layers.MultiHeadAttention builds: the query scaled by 1/√d first,
//                   BatchMatMulV2(Q, K, adj_y), the mask added as (1 - mask)·-1e9 (Keras's Softmax
//                   layer), Softmax, BatchMatMulV2(P, V).
//   impl composed   the textbook order: BatchMatMulV2(Q, K, adj_y)·1/√d, the mask, Softmax, matmul.
// Masks: a [seq, seq] constant for causal; the key mask fed as [batch, 1, 1, seq] for padding.
#include <cmath>

#include "backends/tensorflow/graph_builder.h"
#include "core/ops/attention.h"
#include "worker/op_table.h"

namespace versus::tf {
namespace {

std::unique_ptr<OpInstance> prepare_attention(const CaseSpec& c, const std::vector<HostTensor>& in,
                                              const TfContext& ctx) {
  const AttentionParams a = parse_attention_params(c.params);
  GraphBuilder g(c, ctx);
  const TF_Output q = g.feed(in.at(0)), k = g.feed(in.at(1)), v = g.feed(in.at(2));
  const TF_Output scale = g.scalar(static_cast<float>(1 / std::sqrt(static_cast<double>(a.head_dim))));
  auto adj_y = [](Desc d) { TF_SetAttrBool(d, "adj_y", 1); };
  TF_Output scores = a.composed ? g.op("Mul", {g.op("BatchMatMulV2", {q, k}, adj_y), scale})
                                : g.op("BatchMatMulV2", {g.op("Mul", {q, scale}), k}, adj_y);
  if (a.mask == AttentionMask::kCausal) {
    std::vector<float> adder(static_cast<size_t>(a.seq * a.seq));
    for (int64_t i = 0; i < a.seq; ++i)
      for (int64_t j = i + 1; j < a.seq; ++j) adder[i * a.seq + j] = -1e9f;
    scores = g.op("AddV2", {scores, g.const_float(adder, {a.seq, a.seq})});
  } else if (a.mask == AttentionMask::kPadding) {
    const TF_Output keep = g.feed(in.at(3), {a.batch, 1, 1, a.seq});
    scores = g.op("AddV2", {scores, g.op("Mul", {g.op("Sub", {g.scalar(1), keep}), g.scalar(-1e9f)})});
  }
  const TF_Output o = g.op("BatchMatMulV2", {g.op("Softmax", {scores}), v});
  if (!g.backward()) return g.finish({o});
  return g.finish(g.gradients(o, g.feed(in.back()), {q, k, v}), {o});
}
VERSUS_REGISTER_OP(TfContext, "attention", prepare_attention);

}  // namespace
}  // namespace versus::tf
