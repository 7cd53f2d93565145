// add, mul, relu, sigmoid and tanh in MXNet, as a Gluon user writes them: elemwise_add and
// elemwise_mul for same-shape tensors (what `a + b` dispatches to for equal shapes), and the
// Activation operator that gluon.nn.Activation calls for the nonlinearities. Backward is
// MXNet's autograd (mx_program.h).
#include "backends/mxnet/mx_program.h"
#include "worker/op_table.h"

namespace versus::mx {
namespace {

Recipe binary(const char* op) {
  return {.forward = [op](Program& p, const std::vector<Program::Value>& in) { return p.call(op, {in[0], in[1]}); },
          .grads_of = {0, 1}};
}

Recipe activation(const char* act_type) {
  return {.forward =
              [act_type](Program& p, const std::vector<Program::Value>& in) {
                return p.call("Activation", {in[0]}, {{"act_type", act_type}});
              },
          .grads_of = {0}};
}

std::unique_ptr<OpInstance> prepare_add(const CaseSpec& c, const std::vector<HostTensor>& in, const MxContext&) {
  return make_instance(c, in, binary("elemwise_add"));
}
std::unique_ptr<OpInstance> prepare_mul(const CaseSpec& c, const std::vector<HostTensor>& in, const MxContext&) {
  return make_instance(c, in, binary("elemwise_mul"));
}
std::unique_ptr<OpInstance> prepare_relu(const CaseSpec& c, const std::vector<HostTensor>& in, const MxContext&) {
  return make_instance(c, in, activation("relu"));
}
std::unique_ptr<OpInstance> prepare_sigmoid(const CaseSpec& c, const std::vector<HostTensor>& in,
                                            const MxContext&) {
  return make_instance(c, in, activation("sigmoid"));
}
std::unique_ptr<OpInstance> prepare_tanh(const CaseSpec& c, const std::vector<HostTensor>& in, const MxContext&) {
  return make_instance(c, in, activation("tanh"));
}

VERSUS_REGISTER_OP(MxContext, "add", prepare_add);
VERSUS_REGISTER_OP(MxContext, "mul", prepare_mul);
VERSUS_REGISTER_OP(MxContext, "relu", prepare_relu);
VERSUS_REGISTER_OP(MxContext, "sigmoid", prepare_sigmoid);
VERSUS_REGISTER_OP(MxContext, "tanh", prepare_tanh);

}  // namespace
}  // namespace versus::mx
