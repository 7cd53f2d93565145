// The losses in MXNet, composed from imperative operators as Gluon's loss blocks compose them
// (gluon/loss.py), reduced to the scalar mean the catalogue defines; backward is autograd from
// that scalar with head gradient 1 (`loss.backward()`). Only the prediction is differentiated:
// labels and targets are data, as in a training step.
//   softmax_cross_entropy  -mean_rows(Σ_j labels·log_softmax(logits))   (SoftmaxCrossEntropyLoss,
//                          sparse_label=False). MXNet's own softmax_cross_entropy operator is not
//                          used: it takes class indices and returns the batch sum, not the mean.
//   binary_cross_entropy   -mean(T·log P + (1-T)·log(1-P))   (SigmoidBinaryCrossEntropyLoss with
//                          from_sigmoid=True, without its eps = 1e-12 inside the logs: P is
//                          within [0.05, 0.95], where adding 1e-12 to a float32 changes nothing)
//   mse                    mean((X - Yt)²)   (L2Loss without its factor 1/2)
#include "backends/mxnet/mx_program.h"
#include "worker/op_table.h"

namespace versus::mx {
namespace {

using V = Program::Value;

std::unique_ptr<OpInstance> prepare_softmax_cross_entropy(const CaseSpec& c, const std::vector<HostTensor>& in,
                                                          const MxContext&) {
  return make_instance(c, in,
                       {.forward =
                            [](Program& p, const std::vector<V>& x) {
                              const V log_p = p.call("log_softmax", {x[0]}, {{"axis", "-1"}});
                              const V per_row = p.call("sum", {p.call("elemwise_mul", {log_p, x[1]})}, {{"axis", "-1"}});
                              return p.call("mean", {p.call("negative", {per_row})});
                            },
                        .grads_of = {0},
                        .head_gradient = false});
}

std::unique_ptr<OpInstance> prepare_binary_cross_entropy(const CaseSpec& c, const std::vector<HostTensor>& in,
                                                         const MxContext&) {
  return make_instance(
      c, in,
      {.forward =
           [](Program& p, const std::vector<V>& x) {
             const V prob = x[0], target = x[1];
             const V hit = p.call("elemwise_mul", {p.call("log", {prob}), target});
             // 1 - P and 1 - T: `1. - pred` is the _rminus_scalar operator.
             const V log_miss = p.call("log", {p.call("_rminus_scalar", {prob}, {{"scalar", "1"}})});
             const V miss = p.call("elemwise_mul", {log_miss, p.call("_rminus_scalar", {target}, {{"scalar", "1"}})});
             return p.call("mean", {p.call("negative", {p.call("elemwise_add", {hit, miss})})});
           },
       .grads_of = {0},
       .head_gradient = false});
}

std::unique_ptr<OpInstance> prepare_mse(const CaseSpec& c, const std::vector<HostTensor>& in, const MxContext&) {
  return make_instance(c, in,
                       {.forward =
                            [](Program& p, const std::vector<V>& x) {
                              return p.call("mean", {p.call("square", {p.call("elemwise_sub", {x[0], x[1]})})});
                            },
                        .grads_of = {0},
                        .head_gradient = false});
}

VERSUS_REGISTER_OP(MxContext, "softmax_cross_entropy", prepare_softmax_cross_entropy);
VERSUS_REGISTER_OP(MxContext, "binary_cross_entropy", prepare_binary_cross_entropy);
VERSUS_REGISTER_OP(MxContext, "mse", prepare_mse);

}  // namespace
}  // namespace versus::mx
