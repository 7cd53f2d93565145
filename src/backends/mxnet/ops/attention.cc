// attention (core/ops/attention.h) in MXNet 1.9. Backward: MXNet's autograd (mx_program.h).
//   impl framework  the fused self-attention kernels GluonNLP's BERT uses,
//                   _contrib_interleaved_matmul_selfatt_qk (Q·Kᵀ/√d in one kernel) and
//                   _contrib_interleaved_matmul_selfatt_valatt (P·V), on the layout they need:
//                   Q, K, V interleaved per head as [seq, batch, heads·3·head_dim], which a model's
//                   fused QKV projection produces. The case's tensors are converted to that layout
//                   when the case is prepared, and the results back in outputs(): neither is timed.
//   impl composed   reshape to [batch·heads, seq, head_dim], batch_dot(Q, K, transpose_b)·1/√d,
//                   softmax, batch_dot(P, V), as Gluon attention cells were written.
// Masks are added to the scores before the softmax, as -1e9 where a key is not attended
// (exp gives exactly 0 in float32): a [seq, seq] constant for causal, (key_mask - 1)·1e9
// broadcast over heads and queries for padding.
#include <cmath>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "backends/mxnet/mx_program.h"
#include "core/ops/attention.h"
#include "worker/op_table.h"

namespace versus::mx {
namespace {

using Value = Program::Value;

std::string dims(std::initializer_list<int64_t> d) { return fmt::format("({})", fmt::join(d, ",")); }

// scores [batch·heads, seq, seq] -> softmax with the case's mask, same shape.
Value masked_softmax(Program& p, const AttentionParams& a, Value scores, const std::vector<Value>& in,
                     const HostTensor& causal) {
  const std::vector<Param> last_axis = {{"axis", "-1"}};
  if (a.mask == AttentionMask::kCausal) scores = p.call("broadcast_add", {scores, p.input(causal)});
  if (a.mask != AttentionMask::kPadding) return p.call("softmax", {scores}, last_axis);
  const Value key_mask = in.at(3);  // [batch, seq] of 1/0 -> [batch, 1, 1, seq] of 0/-1e9
  const Value adder = p.call("Reshape", {p.call("_mul_scalar", {p.call("_plus_scalar", {key_mask}, {{"scalar", "-1"}})},
                                                {{"scalar", "1e9"}})},
                             {{"shape", dims({a.batch, 1, 1, a.seq})}});
  const Value four_d = p.call("Reshape", {scores}, {{"shape", dims({a.batch, a.heads, a.seq, a.seq})}});
  const Value probs = p.call("softmax", {p.call("broadcast_add", {four_d, adder})}, last_axis);
  return p.call("Reshape", {probs}, {{"shape", dims({a.batch * a.heads, a.seq, a.seq})}});
}

// [1, seq, seq]: 0 where key j <= query i, -1e9 above the diagonal.
HostTensor causal_adder(const AttentionParams& a) {
  HostTensor t{"causal", {1, a.seq, a.seq}, std::vector<float>(static_cast<size_t>(a.seq * a.seq))};
  for (int64_t i = 0; i < a.seq; ++i)
    for (int64_t j = i + 1; j < a.seq; ++j) t.data[i * a.seq + j] = -1e9f;
  return t;
}

// [batch, heads, seq, head_dim] <-> [seq, batch, heads, part, head_dim] with `parts` slots per head.
void to_interleaved(const AttentionParams& a, const std::vector<float>& bhsd, std::vector<float>& sbh, int parts, int part) {
  for (int64_t b = 0; b < a.batch; ++b)
    for (int64_t h = 0; h < a.heads; ++h)
      for (int64_t s = 0; s < a.seq; ++s)
        for (int64_t d = 0; d < a.head_dim; ++d)
          sbh[(((s * a.batch + b) * a.heads + h) * parts + part) * a.head_dim + d] =
              bhsd[((b * a.heads + h) * a.seq + s) * a.head_dim + d];
}
std::vector<float> from_interleaved(const AttentionParams& a, const std::vector<float>& sbh, int parts, int part) {
  std::vector<float> bhsd(static_cast<size_t>(a.elements()));
  for (int64_t b = 0; b < a.batch; ++b)
    for (int64_t h = 0; h < a.heads; ++h)
      for (int64_t s = 0; s < a.seq; ++s)
        for (int64_t d = 0; d < a.head_dim; ++d)
          bhsd[((b * a.heads + h) * a.seq + s) * a.head_dim + d] =
              sbh.at((((s * a.batch + b) * a.heads + h) * parts + part) * a.head_dim + d);
  return bhsd;
}

// The interleaved kernels' results in the case's layout, converted when asked, outside run().
class InterleavedResults final : public OpInstance {
 public:
  InterleavedResults(std::unique_ptr<OpInstance> inner, const AttentionParams& a, bool backward)
      : inner_(std::move(inner)), a_(a), backward_(backward) {}
  void run() override { inner_->run(); }
  std::vector<std::vector<float>> outputs() override {
    const std::vector<std::vector<float>> out = inner_->outputs();
    if (!backward_) return {from_interleaved(a_, out.at(0), 1, 0)};
    return {from_interleaved(a_, out.at(0), 3, 0), from_interleaved(a_, out[0], 3, 1), from_interleaved(a_, out[0], 3, 2)};
  }

 private:
  std::unique_ptr<OpInstance> inner_;
  AttentionParams a_;
  bool backward_;
};

std::unique_ptr<OpInstance> prepare_interleaved(const CaseSpec& c, const std::vector<HostTensor>& in,
                                                const AttentionParams& a, const HostTensor& causal) {
  const bool backward = c.direction == "backward";
  HostTensor qkv{"QKV", {a.seq, a.batch, a.heads * 3 * a.head_dim}, std::vector<float>(static_cast<size_t>(3 * a.elements()))};
  for (int part = 0; part < 3; ++part) to_interleaved(a, in.at(part).data, qkv.data, 3, part);
  std::vector<HostTensor> converted = {qkv};
  if (a.mask == AttentionMask::kPadding) converted.push_back(in.at(3));
  if (backward) {
    HostTensor dout{"dO", {a.seq, a.batch, a.heads * a.head_dim}, std::vector<float>(static_cast<size_t>(a.elements()))};
    to_interleaved(a, in.back().data, dout.data, 1, 0);
    converted.push_back(std::move(dout));
  }
  const std::string heads = std::to_string(a.heads);
  auto inner = make_instance(
      c, converted,
      {.forward = [a, causal, heads](Program& p, const std::vector<Value>& x) {
         // masked_softmax reads the key mask at index 3 of the case's inputs; here it is at 1.
         std::vector<Value> case_inputs = {x[0], x[0], x[0]};
         if (a.mask == AttentionMask::kPadding) case_inputs.push_back(x.at(1));
         const Value scores = p.call("_contrib_interleaved_matmul_selfatt_qk", {x[0]}, {{"heads", heads}});
         const Value probs = masked_softmax(p, a, scores, case_inputs, causal);
         return p.call("_contrib_interleaved_matmul_selfatt_valatt", {x[0], probs}, {{"heads", heads}});
       },
       .grads_of = {0}});
  return std::make_unique<InterleavedResults>(std::move(inner), a, backward);
}

std::unique_ptr<OpInstance> prepare_attention(const CaseSpec& c, const std::vector<HostTensor>& in, const MxContext&) {
  const AttentionParams a = parse_attention_params(c.params);
  const HostTensor causal = a.mask == AttentionMask::kCausal ? causal_adder(a) : HostTensor{};
  if (!a.composed) return prepare_interleaved(c, in, a, causal);
  return make_instance(
      c, in,
      {.forward = [a, causal](Program& p, const std::vector<Value>& x) {
         const std::string three_d = dims({a.batch * a.heads, a.seq, a.head_dim});
         auto heads_first = [&](Value t) { return p.call("Reshape", {t}, {{"shape", three_d}}); };
         const Value q = heads_first(x[0]), k = heads_first(x[1]), v = heads_first(x[2]);
         const Value scores = p.call("_mul_scalar", {p.call("batch_dot", {q, k}, {{"transpose_b", "True"}})},
                                     {{"scalar", fmt::format("{:.17g}", 1 / std::sqrt(double(a.head_dim)))}});
         const Value out = p.call("batch_dot", {masked_softmax(p, a, scores, x, causal), v});
         return p.call("Reshape", {out}, {{"shape", dims({a.batch, a.heads, a.seq, a.head_dim})}});
       },
       .grads_of = {0, 1, 2}});
}
VERSUS_REGISTER_OP(MxContext, "attention", prepare_attention);

}  // namespace
}  // namespace versus::mx
