// Embedding lookup, float32:
//   forward:  table [vocab, dim], indices [batch, seq] -> Y [batch, seq, dim],
//             Y[b][t] = table[indices[b][t]]
//   backward: table, indices, dY [batch, seq, dim]    -> dTable [vocab, dim], the scatter-add of
//             dY's rows into the rows they were read from (rows never read get zeros)
// The indices travel as float32 holding exact integers in [0, vocab) (every harness tensor is
// float32); backends convert them to their integer index type. vocab <= 2²⁴ keeps them exact.
#pragma once
#include <cstdint>

#include <nlohmann/json.hpp>

namespace versus {

struct EmbeddingParams {
  int64_t vocab = 0, dim = 0, batch = 0, seq = 0;
};

// Throws UserError for missing, unknown or out-of-range sizes.
EmbeddingParams parse_embedding_params(const nlohmann::json& params);

}  // namespace versus
