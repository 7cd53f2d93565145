#include "nets/layout.h"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace versus::layout {
namespace {

void require_rank(const HostTensor& t, size_t rank, const char* what) {
  if (t.shape.size() != rank)
    throw std::invalid_argument(std::string(what) + ": expected a rank-" + std::to_string(rank) +
                                " tensor, got rank " + std::to_string(t.shape.size()) + " (" + t.name + ")");
}

// out[perm-ordered index] = in[index] for a 4-D tensor: out's axis i is in's axis perm[i].
HostTensor permute4(const HostTensor& t, const int (&perm)[4]) {
  const int64_t* d = t.shape.data();
  HostTensor out{t.name, {d[perm[0]], d[perm[1]], d[perm[2]], d[perm[3]]}, std::vector<float>(t.data.size())};
  const int64_t stride[4] = {d[1] * d[2] * d[3], d[2] * d[3], d[3], 1};
  int64_t o = 0;
  int64_t i[4];
  for (i[0] = 0; i[0] < out.shape[0]; ++i[0])
    for (i[1] = 0; i[1] < out.shape[1]; ++i[1])
      for (i[2] = 0; i[2] < out.shape[2]; ++i[2])
        for (i[3] = 0; i[3] < out.shape[3]; ++i[3])
          out.data[o++] = t.data[i[0] * stride[perm[0]] + i[1] * stride[perm[1]] + i[2] * stride[perm[2]] +
                                 i[3] * stride[perm[3]]];
  return out;
}

int inverse_slot(const std::vector<int>& order, int gate) {
  for (int s = 0; s < 4; ++s)
    if (order[s] == gate) return s;
  throw std::invalid_argument("gate order must be a permutation of 0..3");
}

}  // namespace

HostTensor transpose2d(const HostTensor& t) {
  require_rank(t, 2, "transpose2d");
  const int64_t rows = t.shape[0], cols = t.shape[1];
  HostTensor out{t.name, {cols, rows}, std::vector<float>(t.data.size())};
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c) out.data[c * rows + r] = t.data[r * cols + c];
  return out;
}

HostTensor oihw_to_hwio(const HostTensor& t) {
  require_rank(t, 4, "oihw_to_hwio");
  return permute4(t, {2, 3, 1, 0});
}
HostTensor hwio_to_oihw(const HostTensor& t) {
  require_rank(t, 4, "hwio_to_oihw");
  return permute4(t, {3, 2, 0, 1});
}
HostTensor nchw_to_nhwc(const HostTensor& t) {
  require_rank(t, 4, "nchw_to_nhwc");
  return permute4(t, {0, 2, 3, 1});
}
HostTensor nhwc_to_nchw(const HostTensor& t) {
  require_rank(t, 4, "nhwc_to_nchw");
  return permute4(t, {0, 3, 1, 2});
}

HostTensor reorder_gates(const HostTensor& t, const std::vector<int>& order) {
  if (t.shape.empty() || t.shape[0] % 4 != 0 || order.size() != 4)
    throw std::invalid_argument("reorder_gates: first axis must hold 4 gate blocks (" + t.name + ")");
  const size_t block = t.data.size() / 4;
  HostTensor out = t;
  for (int slot = 0; slot < 4; ++slot)
    std::copy_n(t.data.begin() + order[slot] * block, block, out.data.begin() + slot * block);
  return out;
}

HostTensor restore_gates(const HostTensor& t, const std::vector<int>& order) {
  std::vector<int> inverse(4);
  for (int gate = 0; gate < 4; ++gate) inverse[gate] = inverse_slot(order, gate);
  return reorder_gates(t, inverse);
}

namespace {

// Rows of `width` per part, `row` the number of elements in one row (width for a weight, 1 for a bias).
struct QkvShape {
  int64_t width, row, heads;
  // Offset of row r of part p (0 q, 1 k, 2 v) in the fused tensor.
  int64_t fused_row(int64_t p, int64_t r) const {
    const int64_t per_head = width / heads;
    return (r / per_head * 3 + p) * per_head + r % per_head;
  }
};

QkvShape qkv_shape(const HostTensor& part, int64_t heads) {
  if (part.shape.empty() || part.shape.size() > 2) throw std::invalid_argument("fuse_qkv: a weight [width, width] or a bias [width]");
  if (static_cast<int64_t>(part.data.size()) != part.elements())
    throw std::invalid_argument("fuse_qkv: " + part.name + " holds " + std::to_string(part.data.size()) + " values, not its shape's");
  const int64_t width = part.shape[0];
  if (heads < 1 || width % heads != 0) throw std::invalid_argument("fuse_qkv: heads must divide the width");
  return {width, part.shape.size() == 2 ? part.shape[1] : 1, heads};
}

}  // namespace

HostTensor fuse_qkv(const HostTensor& q, const HostTensor& k, const HostTensor& v, int64_t heads) {
  if (q.shape != k.shape || q.shape != v.shape) throw std::invalid_argument("fuse_qkv: q, k and v differ in shape");
  const QkvShape s = qkv_shape(q, heads);
  HostTensor out{q.name, q.shape, std::vector<float>(3 * q.data.size())};
  out.shape[0] *= 3;
  const HostTensor* parts[] = {&q, &k, &v};
  for (int64_t p = 0; p < 3; ++p)
    for (int64_t r = 0; r < s.width; ++r)
      std::copy_n(parts[p]->data.begin() + r * s.row, s.row, out.data.begin() + s.fused_row(p, r) * s.row);
  return out;
}

std::vector<HostTensor> split_qkv(const HostTensor& fused, int64_t heads) {
  if (fused.shape.empty() || fused.shape[0] % 3 != 0) throw std::invalid_argument("split_qkv: the first axis is not 3·width");
  HostTensor part{fused.name, fused.shape, std::vector<float>(fused.data.size() / 3)};
  part.shape[0] /= 3;
  const QkvShape s = qkv_shape(part, heads);
  std::vector<HostTensor> out(3, part);
  for (int64_t p = 0; p < 3; ++p)
    for (int64_t r = 0; r < s.width; ++r)
      std::copy_n(fused.data.begin() + s.fused_row(p, r) * s.row, s.row, out[p].data.begin() + r * s.row);
  return out;
}

}  // namespace versus::layout
