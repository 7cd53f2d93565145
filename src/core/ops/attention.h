// attention's parameters (core/ops/attention.cc defines the op): scaled dot-product attention
// O = softmax(Q·Kᵀ/√d + mask)·V over [batch, heads, seq, head_dim] float32 tensors.
#pragma once
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

namespace versus {

enum class AttentionMask {
  kNone,
  kCausal,   // query i attends keys j <= i
  kPadding,  // key j of sequence b is attended when key_mask[b][j] = 1 (its first length(b) keys)
};

struct AttentionParams {
  int64_t batch = 0, heads = 0, seq = 0, head_dim = 0;
  AttentionMask mask = AttentionMask::kNone;
  bool composed = false;  // "impl": "composed": matmul, scale, mask, softmax, matmul as separate ops
  int64_t elements() const { return batch * heads * seq * head_dim; }
};

// Throws UserError for missing or out-of-range sizes, an unknown mask or impl, or a case whose
// tensors (Q, K, V, dO, the [seq, seq] scores of every head and their gradients) exceed the limit.
AttentionParams parse_attention_params(const nlohmann::json& params);

// The padding mask's valid length of sequence b: seq, 7/8, 6/8, 5/8 of it, repeating (at least 1).
int64_t attention_valid_length(const AttentionParams& p, int64_t b);

}  // namespace versus
