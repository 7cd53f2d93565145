// Conversions from the neutral layouts (nets/network.h) to those frameworks use, and back.
// Each is a pure permutation of a row-major float array; tests check every pair round-trips.
#pragma once
#include <cstdint>
#include <vector>

#include "core/tensor.h"

namespace versus::layout {

// [rows, cols] -> [cols, rows]: dense weights OI <-> IO (TF's MatMul takes x·W with W [in, out]).
HostTensor transpose2d(const HostTensor& t);
// OIHW -> HWIO (TF's Conv2D filter) and back.
HostTensor oihw_to_hwio(const HostTensor& t);
HostTensor hwio_to_oihw(const HostTensor& t);
// NCHW <-> NHWC activations.
HostTensor nchw_to_nhwc(const HostTensor& t);
HostTensor nhwc_to_nchw(const HostTensor& t);
// LSTM gate blocks along the first axis ([4H, ...]): neutral i,f,g,o -> `order`, a permutation
// naming which neutral gate goes in each slot, e.g. {0, 2, 1, 3} for TF's i,g,f,o (LSTMBlockCell
// and Keras' kernel order is i,f,c,o = neutral; tf.contrib's was i,c,f,o).
HostTensor reorder_gates(const HostTensor& t, const std::vector<int>& order);
HostTensor restore_gates(const HostTensor& t, const std::vector<int>& order);

// Attention projections: the neutral wq, wk, wv ([width, width] each, or biases [width]) stacked
// along the first axis, for a backend that fuses them (none does yet: each builds four separate
// projections, as the neutral layout keeps them). `heads` = 1: q rows, then k, then v — torch's nn.MultiheadAttention
// in_proj_weight / in_proj_bias [3·width, ...]. `heads` > 1: interleaved per head, head h's q, k,
// v rows together ([heads, 3, width/heads, ...]) — MXNet's interleaved self-attention kernels
// (GluonNLP's fused QKV projection). split_qkv is the inverse; both check the shapes agree.
HostTensor fuse_qkv(const HostTensor& q, const HostTensor& k, const HostTensor& v, int64_t heads = 1);
std::vector<HostTensor> split_qkv(const HostTensor& fused, int64_t heads = 1);

}  // namespace versus::layout
