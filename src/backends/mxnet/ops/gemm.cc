// GEMM in MXNet: the imperative `dot` operator into a preallocated output. Backward: the same
// `dot` recorded by autograd and differentiated by it (mx_program.h), as `with autograd.record():
// C = nd.dot(A, B, ...); C.backward(dC)` does; MXNet returns dA and dB in A's and B's stored
// layouts. Recording needs fresh output arrays, so the backward case cannot use out=.
#include "backends/mxnet/mx_api.h"
#include "backends/mxnet/mx_program.h"
#include "core/ops/gemm.h"
#include "worker/op_table.h"

namespace versus::mx {
namespace {

// MXNet's `dot` matches GEMM's row-major layout and transpose flags one to one, so A and B
// are handed over as stored and MXNet does the transposition (inside its BLAS call).
class MxnetGemm final : public OpInstance {
 public:
  MxnetGemm(const GemmParams& g, const std::vector<HostTensor>& in)
      : a_(g.a_rows(), g.a_cols()), b_(g.b_rows(), g.b_cols()), c_(g.m, g.n),
        transpose_a_(g.trans_a ? "True" : "False"), transpose_b_(g.trans_b ? "True" : "False") {
    check(NNGetOpHandle("dot", &dot_), "NNGetOpHandle(dot)");
    a_.copy_from(in[0].data);
    b_.copy_from(in[1].data);
  }

  void run() override {
    NDArrayHandle inputs[2] = {a_.get(), b_.get()};
    // A preallocated output: MXNet writes into C instead of allocating a fresh array per call.
    NDArrayHandle output = c_.get();
    NDArrayHandle* outputs = &output;
    int num_outputs = 1;
    const char* keys[2] = {"transpose_a", "transpose_b"};
    const char* vals[2] = {transpose_a_, transpose_b_};
    check(MXImperativeInvoke(dot_, 2, inputs, &num_outputs, &outputs, 2, keys, vals),
          "MXImperativeInvoke(dot)");
    // The invoke only queues the op on MXNet's engine; the iteration ends when it has run.
    check(MXNDArrayWaitAll(), "MXNDArrayWaitAll");
  }

  std::vector<std::vector<float>> outputs() override { return {c_.copy_to_host()}; }

 private:
  NDArray a_, b_, c_;
  const char* transpose_a_;
  const char* transpose_b_;
  OpHandle dot_ = nullptr;
};

std::unique_ptr<OpInstance> prepare_gemm(const CaseSpec& c, const std::vector<HostTensor>& in, const MxContext&) {
  const GemmParams g = parse_gemm_params(c.params);
  if (c.direction != "backward") return std::make_unique<MxnetGemm>(g, in);
  return make_instance(c, in,
                       {.forward =
                            [g](Program& p, const std::vector<Program::Value>& x) {
                              return p.call("dot", {x[0], x[1]},
                                            {{"transpose_a", py_bool(g.trans_a)}, {"transpose_b", py_bool(g.trans_b)}});
                            },
                        .grads_of = g.b_grad_only ? std::vector<size_t>{1} : std::vector<size_t>{0, 1}});  // unmarked A: no dA
}
VERSUS_REGISTER_OP(MxContext, "gemm", prepare_gemm);

}  // namespace
}  // namespace versus::mx
