// dot, gemv and batched_gemm in TensorFlow graph mode, as tf.tensordot / tf.linalg.matvec /
// tf.matmul build them:
//   dot           MatMul of X as [1, n] and Y as [n, 1] (tensordot's reshape to a matrix
//                 product). The reshapes are free views of the row-major vectors, so the
//                 Placeholders take those shapes directly and the graph holds only the MatMul.
//   gemv          MatMul(A, X as [n, 1], transpose_a), as matvec expands X.
//   batched_gemm  BatchMatMulV2 with adj_x / adj_y (for real floats the adjoint is the
//                 transpose), what tf.matmul emits for rank-3 operands. Backward: its C++
//                 gradient, dA and dB in A's and B's stored layouts.
#include "backends/tensorflow/graph_builder.h"
#include "core/ops/blas.h"
#include "worker/op_table.h"

namespace versus::tf {
namespace {

void set_transposes(Desc d, bool a, bool b) {
  TF_SetAttrBool(d, "transpose_a", a);
  TF_SetAttrBool(d, "transpose_b", b);
}

std::unique_ptr<OpInstance> prepare_dot(const CaseSpec& c, const std::vector<HostTensor>& in,
                                        const TfContext& ctx) {
  const DotParams d = parse_dot_params(c.params);
  GraphBuilder g(c, ctx);
  const TF_Output x = g.feed(in.at(0), {1, d.n}), y = g.feed(in.at(1), {d.n, 1});
  return g.finish({g.op("MatMul", {x, y}, [](Desc desc) { set_transposes(desc, false, false); })});
}

std::unique_ptr<OpInstance> prepare_gemv(const CaseSpec& c, const std::vector<HostTensor>& in,
                                         const TfContext& ctx) {
  const GemvParams p = parse_gemv_params(c.params);
  GraphBuilder g(c, ctx);
  const TF_Output a = g.feed(in.at(0)), x = g.feed(in.at(1), {p.n, 1});
  return g.finish({g.op("MatMul", {a, x}, [&](Desc desc) { set_transposes(desc, p.trans_a, false); })});
}

std::unique_ptr<OpInstance> prepare_batched_gemm(const CaseSpec& c, const std::vector<HostTensor>& in,
                                                 const TfContext& ctx) {
  const BatchedGemmParams p = parse_batched_gemm_params(c.params);
  GraphBuilder g(c, ctx);
  const TF_Output a = g.feed(in.at(0)), b = g.feed(in.at(1));
  const TF_Output y = g.op("BatchMatMulV2", {a, b}, [&](Desc desc) {
    TF_SetAttrBool(desc, "adj_x", p.g.trans_a);
    TF_SetAttrBool(desc, "adj_y", p.g.trans_b);
  });
  if (!g.backward()) return g.finish({y});
  return g.finish(g.gradients(y, g.feed(in.at(2)), {a, b}), {y});
}

VERSUS_REGISTER_OP(TfContext, "dot", prepare_dot);
VERSUS_REGISTER_OP(TfContext, "gemv", prepare_gemv);
VERSUS_REGISTER_OP(TfContext, "batched_gemm", prepare_batched_gemm);

}  // namespace
}  // namespace versus::tf
