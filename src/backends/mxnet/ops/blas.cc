// dot, gemv and batched_gemm in MXNet: `dot` of two vectors (legacy shape semantics give [1]),
// `dot` of a matrix and a vector with transpose_a, and `batch_dot` with transpose_a/b, whose
// flags match the catalogue's stored layouts one to one (the transposition happens inside the
// BLAS call). Only batched_gemm has a backward pass in the catalogue; it is MXNet's autograd,
// which returns dA and dB in A's and B's stored layouts.
#include "backends/mxnet/mx_program.h"
#include "core/ops/blas.h"
#include "worker/op_table.h"

namespace versus::mx {
namespace {

std::unique_ptr<OpInstance> prepare_dot(const CaseSpec& c, const std::vector<HostTensor>& in, const MxContext&) {
  parse_dot_params(c.params);
  return make_instance(c, in, {.forward = [](Program& p, const std::vector<Program::Value>& x) {
                                 return p.call("dot", {x[0], x[1]});
                               }});
}

std::unique_ptr<OpInstance> prepare_gemv(const CaseSpec& c, const std::vector<HostTensor>& in, const MxContext&) {
  const GemvParams g = parse_gemv_params(c.params);
  return make_instance(c, in, {.forward = [g](Program& p, const std::vector<Program::Value>& x) {
                                 return p.call("dot", {x[0], x[1]}, {{"transpose_a", py_bool(g.trans_a)}});
                               }});
}

std::unique_ptr<OpInstance> prepare_batched_gemm(const CaseSpec& c, const std::vector<HostTensor>& in,
                                                 const MxContext&) {
  const BatchedGemmParams b = parse_batched_gemm_params(c.params);
  return make_instance(c, in,
                       {.forward =
                            [b](Program& p, const std::vector<Program::Value>& x) {
                              return p.call("batch_dot", {x[0], x[1]},
                                            {{"transpose_a", py_bool(b.g.trans_a)},
                                             {"transpose_b", py_bool(b.g.trans_b)}});
                            },
                        .grads_of = {0, 1}});
}

VERSUS_REGISTER_OP(MxContext, "dot", prepare_dot);
VERSUS_REGISTER_OP(MxContext, "gemv", prepare_gemv);
VERSUS_REGISTER_OP(MxContext, "batched_gemm", prepare_batched_gemm);

}  // namespace
}  // namespace versus::mx
